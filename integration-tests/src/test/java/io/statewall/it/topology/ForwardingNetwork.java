package io.statewall.it.topology;

import io.statewall.firewall.forwarding.FlowModBudget;
import io.statewall.firewall.forwarding.FlowProgrammer;
import io.statewall.firewall.forwarding.ForwardingApp;
import io.statewall.firewall.forwarding.ForwardingSettings;
import io.statewall.firewall.forwarding.OffloadCounters;
import io.statewall.firewall.forwarding.OffloadTable;
import io.statewall.firewall.forwarding.OpenPolicy;
import io.statewall.netfilter.packet.PacketParser;
import io.statewall.controller.Controller;
import io.statewall.controller.ControllerConfig;
import io.statewall.mininet.Host;
import io.statewall.mininet.MininetNetwork;
import io.statewall.mininet.Topology;
import io.statewall.topology.Attachment;
import io.statewall.topology.TopologyApp;
import io.statewall.topology.TopologyService;
import io.statewall.topology.TopologySettings;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.projectfloodlight.openflow.types.DatapathId;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The system under test on real switches: the controller in-process on 127.0.0.1 (a free port)
 * with topology and open forwarding, plus a Mininet network of Open vSwitch switches connected to
 * it. {@link #start} returns once every switch is connected and the controller has discovered
 * exactly the cabling Mininet built.
 */
final class ForwardingNetwork implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(ForwardingNetwork.class);
  private static final Duration READY = Duration.ofSeconds(30);

  /** How long each stage of a start took, for the report. */
  record StartTimes(Duration mininet, Duration connected, Duration discovered) {
    @Override
    public String toString() {
      return String.format("mininet ready %d ms, switches connected +%d ms, links discovered +%d ms",
          mininet.toMillis(), connected.toMillis(), discovered.toMillis());
    }
  }

  private final Controller controller;
  private final TopologyApp topology;
  private final ForwardingApp forwarding;
  private final Recorder recorder;
  private final Wiring wiring;
  private MininetNetwork net;
  private StartTimes startTimes;

  private ForwardingNetwork(Topology shape) {
    this.topology = TopologyApp.create(TopologySettings.DEFAULTS);
    // open forwarding alone, with a flow service and offload counters of its own (no conntrack)
    FlowProgrammer flows = new FlowProgrammer(ForwardingSettings.DEFAULTS, FlowModBudget.defaults());
    OffloadCounters counters = new OffloadCounters(topology.service(), new OffloadTable(), OffloadCounters.Carried.NONE, 0);
    this.forwarding = new ForwardingApp(topology.service(), new OpenPolicy(), new PacketParser()::parse, flows, counters);
    this.recorder = new Recorder();
    this.wiring = Wiring.of(shape);
    this.controller = new Controller(ControllerConfig.defaults().withListen("127.0.0.1", 0),
        List.of(recorder, topology, flows, counters, forwarding));
  }

  static ForwardingNetwork start(Topology shape) throws IOException {
    ForwardingNetwork n = new ForwardingNetwork(shape);
    try {
      int port = n.controller.start().getPort();
      // after forwarding's listener: the recorder hears of an event once forwarding has acted on it
      n.topology.service().addListener(n.recorder);
      n.net = MininetNetwork.builder().topology(shape).controller("127.0.0.1", port).start();
      long t0 = System.nanoTime();
      n.net.awaitControllerConnections(READY);
      Duration connected = Duration.ofNanos(System.nanoTime() - t0);
      Set<DatapathId> dpids = n.wiring.switches().stream()
          .map(s -> DatapathId.of(Long.parseLong(s.substring(1)))).collect(Collectors.toSet());
      Duration discovered = Await.until("switches " + dpids + " ready and links " + n.wiring.links(),
          READY, () -> n.service().switches().equals(dpids)
              && n.service().links().equals(n.wiring.links()));
      n.startTimes = new StartTimes(n.net.startTime(), connected, discovered);
      if (Boolean.getBoolean("statewall.it.trace") || discovered.toMillis() > 2_000) {
        // a slow discovery is worth a timeline in the test output
        System.out.printf("[topology-it] %s start timeline (from switches connected):%n", shape);
        long base = t0;
        n.recorder.events().forEach(e -> System.out.printf("  %+d ms %s%n",
            (e.atNanos() - base) / 1_000_000, e.event()));
        n.recorder.packetIns(p -> true).forEach(p -> System.out.printf("  %+d ms packet-in %s %d bytes%n",
            (p.atNanos() - base) / 1_000_000, p.at(), p.frame().length));
      }
      LOG.info("{}: {}", shape, n.startTimes);
      System.out.printf("[topology-it] %s started: %s%n", shape, n.startTimes);
      return n;
    } catch (IOException | RuntimeException | Error e) {
      n.close();
      throw e;
    }
  }

  MininetNetwork net() {
    return net;
  }

  TopologyService service() {
    return topology.service();
  }

  ForwardingApp forwarding() {
    return forwarding;
  }

  Recorder recorder() {
    return recorder;
  }

  Wiring wiring() {
    return wiring;
  }

  StartTimes startTimes() {
    return startTimes;
  }

  Controller controller() {
    return controller;
  }

  Host host(String name) {
    return net.host(name);
  }

  Attachment attachment(String host) {
    return wiring.attachment(host);
  }

  @Override
  public void close() {
    try {
      if (net != null) {
        net.close();
      }
    } finally {
      controller.close();
    }
  }
}
