package io.statewall.firewall.forwarding.fakes;

import io.statewall.topology.fakes.FakeClock;

import io.statewall.topology.fakes.FakeSwitch;

import io.statewall.firewall.forwarding.ConnectionDecider;
import io.statewall.firewall.forwarding.FlowModBudget;
import io.statewall.firewall.forwarding.FlowProgrammer;
import io.statewall.firewall.forwarding.ForwardingApp;
import io.statewall.firewall.forwarding.ForwardingSettings;
import io.statewall.firewall.forwarding.OffloadCounters;
import io.statewall.firewall.forwarding.OffloadTable;
import io.statewall.netfilter.packet.PacketParser;
import io.statewall.topology.Attachment;
import io.statewall.topology.TopologyApp;
import io.statewall.topology.TopologySettings;
import io.statewall.topology.discovery.DiscoverySettings;
import io.statewall.topology.discovery.LldpSigner;
import io.statewall.topology.paths.DijkstraPathEngine;
import io.statewall.topology.paths.LinkWeigher;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.projectfloodlight.openflow.protocol.OFPacketOut;
import org.projectfloodlight.openflow.protocol.OFVersion;
import org.projectfloodlight.openflow.protocol.action.OFAction;
import org.projectfloodlight.openflow.protocol.action.OFActionOutput;
import org.projectfloodlight.openflow.types.IPv4Address;

/**
 * Real topology and forwarding apps on fake switches joined by fake cables. Switch i has port 1
 * towards switch i+1, port 2 towards switch i-1 and port 3 for a host (host i unless said).
 */
public final class TestNet {

  public final FakeClock clock = new FakeClock();
  public final FakeAppContext ctx = new FakeAppContext();
  public final TopologyApp topology;
  public final ForwardingApp forwarding;
  private final Map<Long, FakeSwitch> switches = new HashMap<>();
  private final Map<Attachment, Attachment> cables = new HashMap<>();

  public TestNet(ConnectionDecider decider, ForwardingSettings settings) {
    this(decider, settings, FlowModBudget.defaults());
  }

  public TestNet(ConnectionDecider decider, ForwardingSettings settings, FlowModBudget budget) {
    topology = TopologyApp.create(TopologySettings.DEFAULTS, clock,
        new LldpSigner("0123456789abcdef0123456789abcdef".getBytes()), new DijkstraPathEngine(),
        LinkWeigher.HOP_COUNT);
    // forwarding alone, with a flow service and offload counters of its own (no conntrack behind them)
    FlowProgrammer flows = new FlowProgrammer(settings, budget);
    OffloadCounters counters = new OffloadCounters(topology.service(), new OffloadTable(), OffloadCounters.Carried.NONE, 0);
    forwarding = new ForwardingApp(topology.service(), decider, new PacketParser()::parse, flows, counters);
    topology.start(ctx);
    flows.start(ctx);
    counters.start(ctx);
    forwarding.start(ctx);
  }

  /** n switches in a line (ring: the last joined to the first), LLDP run, writes cleared. */
  public static TestNet chain(ConnectionDecider decider, ForwardingSettings settings, int n,
      boolean ring, OFVersion version) {
    return chain(new TestNet(decider, settings), n, ring, version);
  }

  /** {@link #chain(ConnectionDecider, ForwardingSettings, int, boolean, OFVersion)} on a given net. */
  public static TestNet chain(TestNet net, int n, boolean ring, OFVersion version) {
    for (int i = 1; i <= n; i++) {
      net.add(new FakeSwitch(i, version, 1, 2, 3));
    }
    for (int i = 1; i < n; i++) {
      net.cable(i, 1, i + 1, 2);
    }
    if (ring) {
      net.cable(n, 1, 1, 2);
    }
    net.discover();
    return net;
  }

  public FakeSwitch add(FakeSwitch sw) {
    switches.put(sw.id().getLong(), sw);
    ctx.connect(sw);
    return sw;
  }

  public FakeSwitch sw(long dpid) {
    return switches.get(dpid);
  }

  public void cable(long s1, int p1, long s2, int p2) {
    cables.put(Attachment.of(s1, p1), Attachment.of(s2, p2));
    cables.put(Attachment.of(s2, p2), Attachment.of(s1, p1));
  }

  /**
   * Delivers the LLDP written so far across the cables, lets discovery's round end (the edge ports
   * are settled: frames for unknown MACs may be flooded to them), then clears every switch's writes.
   */
  public void discover() {
    for (FakeSwitch sw : List.copyOf(switches.values())) {
      List<OFPacketOut> outs = sw.packetOuts();
      sw.clear();
      for (OFPacketOut po : outs) {
        for (OFAction a : po.getActions()) {
          Attachment peer = cables.get(new Attachment(sw.id(), ((OFActionOutput) a).getPort()));
          if (peer != null) {
            FakeSwitch to = switches.get(peer.sw().getLong());
            ctx.dispatch(to, to.packetIn(peer.port().getPortNumber(), po.getData()));
          }
        }
      }
    }
    clock.advance(DiscoverySettings.DEFAULTS.edgeSettle());
    clearWrites();
  }

  /** A frame arriving at {@code dpid}/{@code port} with no entry to match: a packet-in. */
  public void send(long dpid, int port, byte[] frame) {
    FakeSwitch sw = switches.get(dpid);
    ctx.dispatch(sw, sw.packetIn(port, frame));
  }

  /** Host {@code host} on {@code dpid}/{@code port} makes itself known (an ARP probe for .254). */
  public void attach(int host, long dpid, int port) {
    send(dpid, port, TestFrames.arpRequest(host, IPv4Address.of("10.0.0.254")));
    send(dpid, port, TestFrames.ipv6(TestFrames.mac(host), TestFrames.mac(0xFF),
        TestFrames.ip6(host), TestFrames.ip6(0xFF), 59, new byte[0]));
    clearWrites();
  }

  public void portDown(long dpid, int port) {
    FakeSwitch sw = switches.get(dpid);
    ctx.portStatus(sw, sw.setPort(port, false));
  }

  public void clearWrites() {
    switches.values().forEach(FakeSwitch::clear);
  }
}
