package io.statewall.mininet;

import com.fasterxml.jackson.databind.JsonNode;
import io.statewall.mininet.agent.AgentClient;
import io.statewall.mininet.ovs.FlowDumpParser;
import io.statewall.mininet.ovs.PortStatsParser;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/** An Open vSwitch bridge (userspace datapath) of the network. */
public final class OvsSwitch {

  private static final Duration TIMEOUT = Duration.ofSeconds(30);

  private final AgentClient agent;
  private final String name;
  private final long dpid;

  OvsSwitch(AgentClient agent, String name, long dpid) {
    this.agent = agent;
    this.name = name;
    this.dpid = dpid;
  }

  public String name() {
    return name;
  }

  /** The datapath id the controller sees in FEATURES_REPLY. */
  public long dpid() {
    return dpid;
  }

  /** All flow entries of all tables, parsed. */
  public List<FlowEntry> dumpFlows() {
    return FlowDumpParser.parse(ofctl("dump-flows", "--no-names"));
  }

  /** Counters of every port, LOCAL included. */
  public List<PortStats> portStats() {
    return PortStatsParser.parse(ofctl("dump-ports", "--no-names"));
  }

  /**
   * Runs {@code ovs-ofctl -O <highest configured version> <command> <this bridge> [args]} and returns
   * its output; e.g. {@code ofctl("dump-flows", "table=1")}. Options may follow (e.g. --names).
   */
  public String ofctl(String command, String... args) {
    List<String> all = new ArrayList<>();
    all.add(command);
    all.addAll(List.of(args));
    return agent.call("ofctl", Map.of("switch", name, "args", all), TIMEOUT).path("stdout").asText();
  }

  /**
   * Each controller's role at this switch as Open vSwitch's Controller table shows it (master, slave,
   * other), keyed by the controller's real address ("127.0.0.1:6653"), not the relay the switch dials.
   * OVS writes this column lazily, seconds after the role changed: use it to check an outcome.
   */
  public Map<String, String> controllerRoles() {
    Map<String, String> byRelay = new LinkedHashMap<>();
    for (JsonNode c : status().path("controllers")) {
      byRelay.put(c.path("relay").asText(), c.path("target").asText());
    }
    String csv = agent.call("vsctl", Map.of("switch", name, "args", List.of("--format=csv", "--data=bare",
        "--no-headings", "--columns=target,role", "list", "controller")), TIMEOUT).path("stdout").asText();
    Map<String, String> roles = new TreeMap<>();
    for (String line : csv.split("\\R")) {
      String[] f = line.trim().split(",");
      if (f.length == 2 && byRelay.containsKey(f[0])) {
        roles.put(byRelay.get(f[0]), f[1]);
      }
    }
    return roles;
  }

  /** True while the switch has an OpenFlow connection to the controller (to every one, when there are several). */
  public boolean isConnected() {
    return status().path("connected").asBoolean();
  }

  /** The version negotiated in the HELLO exchange with the controller, once it has happened. */
  public Optional<OpenFlowVersion> negotiatedVersion() {
    JsonNode v = status().path("version");
    return v.isInt() ? OpenFlowVersion.fromWire(v.asInt()) : Optional.empty();
  }

  private JsonNode status() {
    return agent.call("switch_status", Map.of("switch", name), TIMEOUT);
  }

  @Override
  public String toString() {
    return name + "(dpid " + dpid + ")";
  }
}
