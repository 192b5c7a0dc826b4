package io.statewall.mininet;

import com.fasterxml.jackson.databind.JsonNode;
import io.statewall.mininet.agent.AgentClient;
import io.statewall.mininet.agent.AgentLauncher.RunningAgent;
import io.statewall.mininet.agent.ContainerAgentLauncher;
import io.statewall.mininet.agent.LocalAgentLauncher;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A running Mininet network of Open vSwitch switches (userspace datapath) and hosts. Start one with
 * {@link #builder()}; closing it removes everything it created.
 */
public final class MininetNetwork implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(MininetNetwork.class);
  private static final Duration TIMEOUT = Duration.ofSeconds(30);
  static final Path STATE_ROOT = Path.of("/tmp/statewall-mininet");

  private final String id;
  private final Backend backend;
  private final RunningAgent running;
  private final AgentClient agent;
  private final Map<String, Host> hosts = new LinkedHashMap<>();
  private final Map<String, OvsSwitch> switches = new LinkedHashMap<>();
  private final Duration startTime;
  private volatile boolean closed;

  private MininetNetwork(String id, Backend backend, RunningAgent running, AgentClient agent,
      JsonNode started, Duration startTime) {
    this.id = id;
    this.backend = backend;
    this.running = running;
    this.agent = agent;
    this.startTime = startTime;
    for (JsonNode h : started.path("hosts")) {
      hosts.put(h.path("name").asText(), new Host(agent, h.path("name").asText(),
          h.path("ip").asText(), h.path("mac").asText(), h.path("interface").asText()));
    }
    for (JsonNode s : started.path("switches")) {
      switches.put(s.path("name").asText(), new OvsSwitch(agent, s.path("name").asText(),
          Long.parseUnsignedLong(s.path("dpid").asText(), 16)));
    }
  }

  public static Builder builder() {
    return new Builder();
  }

  /** Unique id of this network (names its container and state directory). */
  public String id() {
    return id;
  }

  public Backend backend() {
    return backend;
  }

  /** How long the start took, from the builder's start() call to a ready network. */
  public Duration startTime() {
    return startTime;
  }

  /** The host with this name; an unknown name throws with the list of known hosts. */
  public Host host(String name) {
    Host h = hosts.get(name);
    if (h == null) {
      throw new IllegalArgumentException(
          "unknown host '" + name + "' (hosts: " + String.join(", ", hosts.keySet()) + ")");
    }
    return h;
  }

  public List<Host> hosts() {
    return List.copyOf(hosts.values());
  }

  /** The switch with this name; an unknown name throws with the list of known switches. */
  public OvsSwitch ovsSwitch(String name) {
    OvsSwitch s = switches.get(name);
    if (s == null) {
      throw new IllegalArgumentException(
          "unknown switch '" + name + "' (switches: " + String.join(", ", switches.keySet()) + ")");
    }
    return s;
  }

  public List<OvsSwitch> switches() {
    return List.copyOf(switches.values());
  }

  /** Takes the link between two nodes down (both ends), like Mininet's {@code link a b down}. */
  public void linkDown(String a, String b) {
    agent.call("link", Map.of("a", a, "b", b, "up", false), TIMEOUT);
  }

  /** Brings the link between two nodes back up. */
  public void linkUp(String a, String b) {
    agent.call("link", Map.of("a", a, "b", b, "up", true), TIMEOUT);
  }

  /** Every host pings every other host once (all in parallel), each waiting up to 2 s for a reply. */
  public PingMatrix pingAll() {
    return pingAll(Duration.ofSeconds(2));
  }

  /** {@link #pingAll()} with another per-pair deadline (pings repeat every 0.2 s until it). */
  public PingMatrix pingAll(Duration deadline) {
    JsonNode r = agent.call("ping_all", Map.of("timeout", deadline.toMillis() / 1000.0),
        deadline.plus(TIMEOUT));
    List<String> names = new ArrayList<>();
    r.path("hosts").forEach(h -> names.add(h.asText()));
    Set<PingMatrix.Pair> reached = new HashSet<>();
    r.path("reached").forEach(p -> reached.add(new PingMatrix.Pair(p.get(0).asText(),
        p.get(1).asText())));
    return new PingMatrix(names, reached);
  }

  /** Waits until every switch has an OpenFlow connection to the controller (to each, when there are several). */
  public void awaitControllerConnections(Duration timeout) {
    awaitCondition("every switch connected to the controller",
        () -> switches.values().stream().allMatch(OvsSwitch::isConnected), timeout);
  }

  private static void awaitCondition(String what, BooleanSupplier condition, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new MininetException("timed out after " + timeout + " waiting for " + what);
      }
      try {
        Thread.sleep(50); // polling the switches: there is no event to wait on
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new MininetException("interrupted while waiting for " + what, e);
      }
    }
  }

  /** Stops the network and waits until its agent, container, namespaces and interfaces are gone. */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    long start = System.nanoTime();
    try {
      agent.close();
    } finally {
      running.close();
    }
    LOG.info("Mininet network {} ({}) closed in {} ms", id, backend,
        (System.nanoTime() - start) / 1_000_000);
  }

  @Override
  public String toString() {
    return "MininetNetwork[" + id + ", " + backend + ", hosts " + hosts.keySet() + ", switches "
        + switches.keySet() + "]";
  }

  /** Describes a network and starts it. */
  public static final class Builder {
    private Topology topology = Topology.single(2);
    private String controllerHost;
    private List<Integer> controllerPorts = List.of();
    private List<OpenFlowVersion> versions = List.of(OpenFlowVersion.OF_13);
    private FailMode failMode = FailMode.SECURE;
    private Boolean spanningTree;
    private boolean ipv6;
    private Backend backend;

    private Builder() {
    }

    public Builder topology(Topology topology) {
      this.topology = topology;
      return this;
    }

    /** The controller's address as seen from this machine, e.g. 127.0.0.1 and 6653. */
    public Builder controller(String host, int port) {
      if (port < 1 || port > 65535) {
        throw new IllegalArgumentException("controller port must be 1..65535, not " + port);
      }
      return controllers(host, port);
    }

    /**
     * Several controllers on one host (a controller cluster): every switch lists all of them, in this
     * order, and connects to each.
     */
    public Builder controllers(String host, int... ports) {
      if (ports.length == 0) {
        throw new IllegalArgumentException("at least one controller port");
      }
      List<Integer> list = new ArrayList<>();
      for (int port : ports) {
        if (port < 1 || port > 65535) {
          throw new IllegalArgumentException("controller port must be 1..65535, not " + port);
        }
        list.add(port);
      }
      this.controllerHost = host;
      this.controllerPorts = List.copyOf(list);
      return this;
    }

    /** The OpenFlow versions the switches offer (default OpenFlow 1.3). */
    public Builder openFlowVersions(OpenFlowVersion... versions) {
      if (versions.length == 0) {
        throw new IllegalArgumentException("at least one OpenFlow version");
      }
      this.versions = List.of(versions);
      return this;
    }

    /** Secure (the default: no controller, no forwarding) or standalone (a learning switch). */
    public Builder failMode(FailMode failMode) {
      this.failMode = failMode;
      return this;
    }

    /** Standalone switches without a controller: the harness's own tests and smoke tests. */
    public Builder standalone() {
      this.failMode = FailMode.STANDALONE;
      this.controllerHost = null;
      return this;
    }

    /**
     * Runs RSTP on the switches. Default: on for standalone networks whose switches form a loop (a
     * learning switch floods forever in a loop), off otherwise; a controller must handle loops itself.
     */
    public Builder spanningTree(boolean enabled) {
      this.spanningTree = enabled;
      return this;
    }

    /** Keeps IPv6 on in hosts (default off, so no router solicitations or ND reach the controller). */
    public Builder ipv6(boolean enabled) {
      this.ipv6 = enabled;
      return this;
    }

    /** Forces a backend; default: the system property/env var, else container, else local. */
    public Builder backend(Backend backend) {
      this.backend = backend;
      return this;
    }

    /** Starts the network and returns when hosts can talk (and a spanning tree has converged). */
    public MininetNetwork start() {
      long t0 = System.nanoTime();
      Topology.Spec spec = topology.spec();
      String id = newId();
      Backend forced = backend != null ? backend : Backend.forced().orElse(null);
      Backend chosen = forced;
      RunningAgent running;
      if (forced == null) {
        String why = container().unavailableReason();
        chosen = why == null ? Backend.CONTAINER : Backend.LOCAL;
        if (why != null) {
          LOG.warn("Mininet container backend unavailable ({}); using the local backend", why);
        }
      }
      if (chosen == Backend.CONTAINER) {
        try {
          running = container().launch(id);
        } catch (RuntimeException e) {
          if (forced != null || local().unavailableReason() != null) {
            throw e;
          }
          LOG.warn("Mininet container backend failed ({}); using the local backend", e.getMessage());
          chosen = Backend.LOCAL;
          running = local().launch(id);
        }
      } else {
        String why = local().unavailableReason();
        if (why != null) {
          throw new MininetException("the local Mininet backend cannot run: " + why);
        }
        running = local().launch(id);
      }
      RunningAgent agentProcess = running;
      AgentClient client = null;
      try {
        client = new AgentClient(running.port(), agentProcess::diagnostics);
        Map<String, Object> request = new LinkedHashMap<>();
        request.put("topology", Map.of("hosts", spec.hosts(), "switches", spec.switches(),
            "links", spec.links().stream().map(l -> List.of(l.a(), l.b())).toList()));
        request.put("protocols", versions.stream().map(OpenFlowVersion::ovsName).toList());
        request.put("failMode", failMode.ovsName());
        request.put("spanningTree", spanningTree != null ? spanningTree
            : failMode == FailMode.STANDALONE && spec.hasLoop());
        request.put("ipv6", ipv6);
        if (controllerHost != null) {
          request.put("controllers", controllerPorts.stream()
              .map(port -> Map.of("host", controllerHost, "port", port)).toList());
        }
        JsonNode started = client.call("start", request, Duration.ofSeconds(90));
        Duration took = Duration.ofNanos(System.nanoTime() - t0);
        LOG.info("Mininet network {} ({}) ready in {} ms: {} hosts, {} switches (Mininet build {} ms)",
            id, chosen, took.toMillis(), spec.hosts().size(), spec.switches().size(),
            started.path("startMillis").asLong());
        return new MininetNetwork(id, chosen, running, client, started, took);
      } catch (RuntimeException e) {
        if (client != null) {
          client.close();
        }
        running.close();
        throw e;
      }
    }

    private static ContainerAgentLauncher container() {
      return new ContainerAgentLauncher();
    }

    private static LocalAgentLauncher local() {
      return new LocalAgentLauncher(STATE_ROOT);
    }

    private static String newId() {
      byte[] bytes = new byte[4];
      new SecureRandom().nextBytes(bytes);
      StringBuilder sb = new StringBuilder("swmn-");
      for (byte b : bytes) {
        sb.append(String.format("%02x", b));
      }
      return sb.toString();
    }
  }
}
