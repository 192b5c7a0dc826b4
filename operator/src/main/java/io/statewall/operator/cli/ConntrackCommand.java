package io.statewall.operator.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code statewall conntrack -L|-D|-F [filters]}: conntrack-tools' commands and output, on the
 * network's table in a running controller, so existing habits and scripts work.
 */
@Command(name = "conntrack", mixinStandardHelpOptions = true, sortOptions = false,
    description = "List (-L), delete (-D) or flush (-F) the network's tracked connections, as conntrack(8) does.")
public final class ConntrackCommand extends ApiCommand {
  static final String TOOL = "conntrack v1.4.7 (conntrack-tools): ";
  private static final int PAGE = 10_000;

  @ArgGroup(exclusive = true, multiplicity = "1")
  Action action;

  /** Exactly one of -L, -D, -F. */
  static final class Action {
    @Option(names = {"-L", "--dump"}, description = "List connections (or expectations: -L expect).")
    boolean list;

    @Option(names = {"-D", "--delete"}, description = "Delete the matching connections and their switch entries.")
    boolean delete;

    @Option(names = {"-F", "--flush"}, description = "Delete every connection and expectation.")
    boolean flush;
  }

  @Parameters(arity = "0..1", paramLabel = "TABLE", defaultValue = "conntrack",
      description = "conntrack (default) or expect")
  String table;

  @Option(names = {"-p", "--proto"}, paramLabel = "PROTO", description = "tcp, udp, icmp, icmpv6 or a number")
  String proto;

  @Option(names = {"-s", "--src", "--orig-src"}, paramLabel = "ADDR", description = "original source address")
  String src;

  @Option(names = {"-d", "--dst", "--orig-dst"}, paramLabel = "ADDR", description = "original destination address")
  String dst;

  @Option(names = {"--sport", "--orig-port-src"}, paramLabel = "PORT", description = "original source port")
  Integer sport;

  @Option(names = {"--dport", "--orig-port-dst"}, paramLabel = "PORT", description = "original destination port")
  Integer dport;

  @Option(names = "--state", paramLabel = "STATE", description = "TCP state (ESTABLISHED, SYN_SENT, ...)")
  String state;

  @Override
  int run(ApiClient client, PrintWriter out) throws ApiClient.Failure {
    PrintWriter err = spec.commandLine().getErr();
    boolean expect = table.equals("expect") || table.equals("expectation");
    if (!expect && !table.equals("conntrack")) {
      throw new ApiClient.Failure("unknown table '" + table + "': conntrack or expect", null);
    }
    if (action.flush) {
      client.delete("/api/v1/conntrack", Map.of("all", "true"));
      err.println(TOOL + "connection tracking table has been emptied.");
      return 0;
    }
    if (expect) {
      if (action.delete) {
        throw new ApiClient.Failure("-D expect is not supported; expectations go with their connection", null);
      }
      int n = 0;
      for (JsonNode x : client.get("/api/v1/expectations", Map.of())) {
        out.println(x.get("line").asText());
        n++;
      }
      out.flush();
      err.println(TOOL + n + " expectations have been shown.");
      return 0;
    }
    Map<String, String> filters = filters();
    List<String> lines = list(client, filters);
    lines.forEach(out::println);
    out.flush();
    if (action.list) {
      err.println(TOOL + lines.size() + " flow entries have been shown.");
      return 0;
    }
    if (filters.isEmpty()) {
      throw new ApiClient.Failure("-D needs a filter (-p, -s, -d, --sport, --dport, --state); -F deletes all", null);
    }
    int n = client.delete("/api/v1/conntrack", filters).get("deleted").asInt();
    err.println(TOOL + n + " flow entries have been deleted.");
    return n > 0 ? 0 : 1;
  }

  private Map<String, String> filters() {
    Map<String, String> q = new LinkedHashMap<>();
    put(q, "proto", proto);
    put(q, "src", src);
    put(q, "dst", dst);
    put(q, "sport", sport == null ? null : sport.toString());
    put(q, "dport", dport == null ? null : dport.toString());
    put(q, "state", state);
    return q;
  }

  private static void put(Map<String, String> q, String k, String v) {
    if (v != null) {
      q.put(k, v);
    }
  }

  private static List<String> list(ApiClient client, Map<String, String> filters) throws ApiClient.Failure {
    List<String> out = new ArrayList<>();
    for (int offset = 0; ; offset += PAGE) {
      Map<String, String> q = new LinkedHashMap<>(filters);
      q.put("offset", String.valueOf(offset));
      q.put("limit", String.valueOf(PAGE));
      JsonNode page = client.get("/api/v1/conntrack", q);
      page.get("items").forEach(e -> out.add(e.get("line").asText()));
      if (page.get("items").size() < PAGE || offset + PAGE >= page.get("total").asInt()) {
        return out;
      }
    }
  }
}
