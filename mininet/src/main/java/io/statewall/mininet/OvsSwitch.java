package io.statewall.mininet;

import com.fasterxml.jackson.databind.JsonNode;
import io.statewall.mininet.agent.AgentClient;
import io.statewall.mininet.ovs.FlowDumpParser;
import io.statewall.mininet.ovs.PortStatsParser;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

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

  /** True while the switch has an OpenFlow connection to the controller. */
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
