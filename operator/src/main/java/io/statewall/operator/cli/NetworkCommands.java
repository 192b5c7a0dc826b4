package io.statewall.operator.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;

/** {@code statewall switches}, {@code links}, {@code hosts}: what topology knows, as tables. */
public final class NetworkCommands {
  private NetworkCommands() {}

  /** The switches connected to the controller, with their ports. */
  @Command(name = "switches", mixinStandardHelpOptions = true,
      description = "List the switches connected to a running controller.")
  public static final class Switches extends ApiCommand {
    @Override
    int run(ApiClient client, PrintWriter out) throws ApiClient.Failure {
      Table t = new Table("DPID", "NAME", "VERSION", "READY", "PORTS");
      for (JsonNode s : client.get("/api/v1/switches", Map.of())) {
        List<String> ports = new ArrayList<>();
        for (JsonNode p : s.get("ports")) {
          ports.add(p.get("number").asInt() + ":" + text(p, "name") + (p.get("up").asBoolean() ? "" : "(down)"));
        }
        t.row(text(s, "dpid"), text(s, "name"), text(s, "version"), s.get("ready").asBoolean() ? "yes" : "no",
            ports.isEmpty() ? "-" : String.join(" ", ports));
      }
      t.print(out);
      return 0;
    }
  }

  /** The links between switches. */
  @Command(name = "links", mixinStandardHelpOptions = true,
      description = "List the switch-to-switch links a running controller has seen by LLDP.")
  public static final class Links extends ApiCommand {
    @Override
    int run(ApiClient client, PrintWriter out) throws ApiClient.Failure {
      Table t = new Table("SWITCH", "PORT", "SWITCH", "PORT");
      for (JsonNode l : client.get("/api/v1/links", Map.of())) {
        t.row(text(l.get("a"), "dpid"), text(l.get("a"), "port"), text(l.get("b"), "dpid"), text(l.get("b"), "port"));
      }
      t.print(out);
      return 0;
    }
  }

  /** The hosts learned from their packets. */
  @Command(name = "hosts", mixinStandardHelpOptions = true,
      description = "List the hosts a running controller has learned, and where they attach.")
  public static final class Hosts extends ApiCommand {
    @Override
    int run(ApiClient client, PrintWriter out) throws ApiClient.Failure {
      Table t = new Table("MAC", "SWITCH", "PORT", "ADDRESSES");
      for (JsonNode h : client.get("/api/v1/hosts", Map.of())) {
        List<String> addrs = new ArrayList<>();
        h.get("addresses").forEach(a -> addrs.add(a.asText()));
        int port = h.get("attachment").get("port").asInt();
        // OpenFlow's LOCAL port (0xfffffffe): the switch's own bridge interface
        t.row(text(h, "mac"), text(h.get("attachment"), "dpid"), port == -2 ? "LOCAL" : String.valueOf(port),
            addrs.isEmpty() ? "-" : String.join(",", addrs));
      }
      t.print(out);
      return 0;
    }
  }
}
