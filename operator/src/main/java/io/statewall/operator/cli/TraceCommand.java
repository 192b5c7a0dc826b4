package io.statewall.operator.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code statewall trace}: what the running firewall would do with one packet, chain by chain,
 * ending with the verdict and the rule that gave it.
 */
@Command(name = "trace", mixinStandardHelpOptions = true, sortOptions = false,
    description = "Explain what the running firewall would do with a packet (nothing is sent or changed).")
public final class TraceCommand extends ApiCommand {
  @Option(names = "--src", required = true, paramLabel = "ADDR", description = "source address")
  String src;

  @Option(names = "--dst", required = true, paramLabel = "ADDR", description = "destination address")
  String dst;

  @Option(names = {"-p", "--proto"}, defaultValue = "tcp", paramLabel = "PROTO",
      description = "tcp (default), udp, icmp, icmpv6 or a number")
  String proto;

  @Option(names = "--sport", paramLabel = "PORT", description = "source port (default 40000)")
  Integer sport;

  @Option(names = "--dport", paramLabel = "PORT", description = "destination port (tcp, udp)")
  Integer dport;

  @Option(names = "--state", paramLabel = "STATE",
      description = "the conntrack state to assume (NEW, ESTABLISHED, RELATED, INVALID, UNTRACKED); "
          + "default: what the table says")
  String state;

  @Override
  int run(ApiClient client, PrintWriter out) throws ApiClient.Failure {
    Map<String, String> q = new LinkedHashMap<>();
    q.put("src", src);
    q.put("dst", dst);
    q.put("proto", proto);
    if (sport != null) {
      q.put("sport", sport.toString());
    }
    if (dport != null) {
      q.put("dport", dport.toString());
    }
    if (state != null) {
      q.put("state", state);
    }
    print(client.get("/api/v1/trace", q), out);
    return 0;
  }

  static void print(JsonNode t, PrintWriter out) {
    JsonNode p = t.get("packet");
    out.println("packet      " + proto(p.get("protocol").asInt()) + " " + p.get("src").asText() + port(p, "sport")
        + " -> " + p.get("dst").asText() + port(p, "dport"));
    String why = t.hasNonNull("connection") ? "tracked: " + t.get("connection").asText()
        : t.hasNonNull("expectation") ? "expected: " + t.get("expectation").asText()
        : "no tracked connection or expectation";
    out.println("conntrack   " + t.get("state").asText() + " (" + why + ")");
    JsonNode chains = t.get("chains");
    JsonNode receivers = t.get("receivers");
    boolean several = receivers != null && !receivers.isNull();
    if (chains.isEmpty()) {
      out.println(several ? "chains      none before the receivers"
          : "chains      none on this path (no rule set applies): accepted");
    }
    for (JsonNode c : chains) {
      out.println("chain       " + c.get("table").asText() + " " + c.get("chain").asText() + " of "
          + c.get("ruleSet").asText() + ": " + c.get("verdict").asText() + " by " + rule(c.get("rule")));
    }
    if (several) {
      // a broadcast or multicast datagram: each host that would receive it, by its own INPUT
      if (receivers.isEmpty()) {
        out.println("receivers   none: no host of the policy would receive it");
      }
      for (JsonNode r : receivers) {
        out.println("receiver    " + r.get("host").asText() + ": " + r.get("verdict").asText() + " by "
            + rule(r.get("decidedBy")));
      }
    }
    out.println("path        " + hops(t.get("path"), "unknown (hosts not learned yet, or unreachable)"));
    if (t.hasNonNull("cookie")) {
      out.println("entries     cookie " + t.get("cookie").asText() + " on " + hops(t.get("installed"), "no switch"));
    } else {
      out.println("entries     none installed");
    }
    out.println("verdict     " + t.get("verdict").asText() + " by " + rule(t.get("decidedBy")));
  }

  private static String proto(int p) {
    return switch (p) {
      case 6 -> "tcp";
      case 17 -> "udp";
      case 1 -> "icmp";
      case 58 -> "icmpv6";
      default -> "proto " + p;
    };
  }

  private static String port(JsonNode p, String f) {
    return p.hasNonNull(f) ? ":" + p.get(f).asInt() : "";
  }

  static String rule(JsonNode r) {
    if (r == null || r.isNull()) {
      return "no rule set (accepted, as Linux with empty tables)";
    }
    String where = r.get("line").asInt() > 0 ? r.get("file").asText() + ":" + r.get("line").asInt() + " "
        : r.get("file").asText() + " ";
    return r.get("ruleSet").asText() + " " + where + r.get("text").asText();
  }

  private static String hops(JsonNode hops, String none) {
    if (hops == null || hops.isEmpty()) {
      return none;
    }
    List<String> out = new ArrayList<>();
    hops.forEach(h -> out.add(h.get("dpid").asText() + "[" + h.get("in").asInt() + "->" + h.get("out").asInt() + "]"));
    return String.join(" ", out);
  }
}
