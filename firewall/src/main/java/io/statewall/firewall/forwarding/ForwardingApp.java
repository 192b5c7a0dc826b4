package io.statewall.firewall.forwarding;

import io.statewall.controller.app.App;
import io.statewall.netfilter.defrag.DefragConfig;
import io.statewall.netfilter.defrag.Defragmenter;
import io.statewall.netfilter.packet.PacketParser;
import io.statewall.controller.app.AppContext;
import io.statewall.controller.app.ListenerResult;
import io.statewall.controller.switches.SwitchHandle;
import io.statewall.netfilter.packet.Packet;
import io.statewall.topology.Attachment;
import io.statewall.topology.OpenFlowPorts;
import io.statewall.topology.TopologyService;
import java.util.Arrays;
import org.projectfloodlight.openflow.protocol.OFPacketIn;
import org.projectfloodlight.openflow.types.MacAddress;

/**
 * Forwarding as a controller app: every packet-in that topology lets through ends here, as a
 * neighbour question (proxied or flooded), an IP packet (decided, then forwarded with exact
 * entries) or other traffic (delivered or flooded along the tree).
 */
public final class ForwardingApp implements App {

  /** After topology (10), which consumes LLDP and learns hosts first. */
  public static final int PACKET_IN_ORDER = 100;

  private final TopologyService topology;
  private final ConnectionDecider decider;
  private final PacketDecoder decoder;
  private final FlowProgrammer programmer;
  private final OffloadCounters counters;
  private final Defragmenter defrag = new Defragmenter(DefragConfig.defaults(), new PacketParser());
  private final RefusedFrames refused = new RefusedFrames();
  private PacketOutSender sender;
  private NeighborProxy proxy;
  private ConnectionForwarder forwarder;

  /**
   * Beside the process's flow service and offload counters, which are apps of their own: whoever
   * builds this starts them before it (the composition root, or a test's network).
   */
  public ForwardingApp(TopologyService topology, ConnectionDecider decider, PacketDecoder decoder,
      FlowProgrammer programmer, OffloadCounters counters) {
    this.topology = topology;
    this.decider = decider;
    this.decoder = decoder;
    this.programmer = programmer;
    this.counters = counters;
  }

  @Override
  public String name() {
    return "forwarding";
  }

  @Override
  public void start(AppContext context) {
    sender = new PacketOutSender(context.switches(), topology);
    proxy = new NeighborProxy(topology, sender);
    forwarder = new ConnectionForwarder(topology, decider,
        new ConnectionForwarder.Outputs(programmer, sender, installed(), refused));
    context.addMessageListener(OFPacketIn.class, PACKET_IN_ORDER, this::packetIn);
    topology.addListener(forwarder::topologyChanged);
  }

  /** Flow-mods written to switches since start, for every purpose. */
  public long flowModsSent() {
    return programmer.sent();
  }

  /** The flow-mod limits and what they left out. */
  public FlowModBudget budget() {
    return programmer.budget();
  }

  /** The flow service every entry goes through. */
  public FlowProgrammer programmer() {
    return programmer;
  }

  /** Frames dropped before any rule ran (ethertypes, foreign MACs), by reason. */
  public RefusedFrames refused() {
    return refused;
  }

  /** The connections with entries installed now (for tests, reroute and diagnostics). */
  public InstalledConnections installed() {
    return counters.table().installed();
  }

  ListenerResult packetIn(SwitchHandle sw, OFPacketIn pi) {
    byte[] frame = pi.getData();
    if (frame == null || frame.length < 14) {
      return ListenerResult.STOP;
    }
    Attachment at = new Attachment(sw.id(), OpenFlowPorts.inPort(pi));
    MacAddress dst = MacAddress.of(Arrays.copyOfRange(frame, 0, 6));
    if (isBridgeReserved(dst)) {
      return ListenerResult.STOP; // STP, LACP, 802.1X: never forwarded by a bridge
    }
    if (topology.isInterSwitchPort(at)) {
      transit(at, dst, frame);
      return ListenerResult.STOP;
    }
    if (proxy.handle(at, frame)) {
      return ListenerResult.STOP;
    }
    var packet = decoder.decode(frame);
    if (packet.malformed() != null) {
      return ListenerResult.STOP;
    }
    if (packet.isFragmented()) {
      // judged whole, as Linux reassembles before conntrack; all fragments go, or none
      defrag.offer(packet, System.nanoTime() / 1_000_000).ifPresent(r -> {
        if (r.packet().malformed() == null) {
          forwarder.forwardFragments(at, r.packet(), r.fragments());
        }
      });
      return ListenerResult.STOP;
    }
    if (packet.isIp()) {
      forwarder.forward(at, packet, frame);
    } else if (packet.etherType() == Packet.ETH_ARP || decider.allowsEthertype(packet.etherType())) {
      sender.deliverOrFlood(at, frame);
    } else {
      // no rule could judge it (RoCE, PPPoE, an unknown tag, a stray LLDP): a host's netfilter would
      // never have been asked, so it does not reach one unless the policy lists its ethertype
      refused.refuse(RefusedFrames.Reason.ETHERTYPE, at, String.format("ethertype 0x%04x", packet.etherType()));
    }
    return ListenerResult.STOP;
  }

  /**
   * A frame arriving from another switch was already let in where it entered: a flood goes on
   * along the tree (only if it came by the tree, or it is a loop), a unicast frame that outran
   * its entries goes straight to its host.
   */
  private void transit(Attachment at, MacAddress dst, byte[] frame) {
    if (!OpenFlowPorts.isGroup(dst)) {
      topology.host(dst).ifPresent(h -> {
        if (!h.attachment().equals(at)) {
          sender.send(h.attachment(), frame);
        }
      });
      return;
    }
    if (topology.broadcastPorts(at.sw()).contains(at.port())) {
      sender.flood(at, frame);
    }
  }

  private static boolean isBridgeReserved(MacAddress mac) {
    return (mac.getLong() & ~0xFL) == 0x0180_C200_0000L;
  }
}
