package io.statewall.mininet;

import com.fasterxml.jackson.databind.JsonNode;
import io.statewall.mininet.agent.AgentClient;
import java.time.Duration;
import java.util.Map;

/** A Mininet host: its own network namespace with one interface on the network. */
public final class Host {

  private static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(30);
  private static final Duration GRACE = Duration.ofSeconds(15);

  private final AgentClient agent;
  private final String name;
  private final String ip;
  private final String mac;
  private final String interfaceName;

  Host(AgentClient agent, String name, String ip, String mac, String interfaceName) {
    this.agent = agent;
    this.name = name;
    this.ip = ip;
    this.mac = mac;
    this.interfaceName = interfaceName;
  }

  public String name() {
    return name;
  }

  /** IPv4 address, e.g. 10.0.0.1. */
  public String ip() {
    return ip;
  }

  /** MAC address, e.g. 00:00:00:00:00:01. */
  public String mac() {
    return mac;
  }

  /** The host's interface, e.g. h1-eth0. */
  public String interfaceName() {
    return interfaceName;
  }

  /**
   * Runs a bash command line in this host and waits for it. A non-zero exit is a result, not an error;
   * outliving the timeout kills it and throws {@link CommandTimeoutException} with the partial output.
   */
  public ExecResult exec(String command, Duration timeout) {
    JsonNode r = agent.call("exec", Map.of("host", name, "cmd", command,
        "timeout", timeout.toMillis() / 1000.0), timeout.plus(GRACE));
    return new ExecResult(r.path("exitCode").asInt(), r.path("stdout").asText(),
        r.path("stderr").asText());
  }

  /** {@link #exec(String, Duration)} with a 30 s timeout. */
  public ExecResult exec(String command) {
    return exec(command, DEFAULT_TIMEOUT);
  }

  /** Starts a long-running command (a server, a listener) in this host; close the handle to stop it. */
  public BackgroundProcess start(String command) {
    JsonNode r = agent.call("start_background", Map.of("host", name, "cmd", command), GRACE);
    return new BackgroundProcess(agent, this, command, r.path("process").asLong());
  }

  /** Replaces this host's IPv4 rules with an iptables-restore file; rejected rules throw with why. */
  public void loadIptables(String rules) {
    agent.call("load_rules", Map.of("host", name, "rules", rules, "family", "ipv4"), GRACE);
  }

  /** Replaces this host's IPv6 rules with an ip6tables-restore file. */
  public void loadIp6tables(String rules) {
    agent.call("load_rules", Map.of("host", name, "rules", rules, "family", "ipv6"), GRACE);
  }

  @Override
  public String toString() {
    return name + "(" + ip + ", " + mac + ")";
  }
}
