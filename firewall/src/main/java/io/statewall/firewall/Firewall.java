package io.statewall.firewall;

import io.statewall.controller.switches.SwitchRegistry;
import io.statewall.firewall.forwarding.ConnectionCookie;
import io.statewall.firewall.forwarding.ConnectionDecider;
import io.statewall.firewall.forwarding.Decision;
import io.statewall.firewall.forwarding.ExactMatch;
import io.statewall.netfilter.conntrack.CtDirection;
import io.statewall.netfilter.conntrack.CtEntry;
import io.statewall.netfilter.conntrack.CtTuple;
import io.statewall.netfilter.conntrack.ConnTracker;
import io.statewall.netfilter.judge.Judge;
import io.statewall.netfilter.judge.Judgement;
import io.statewall.netfilter.judge.Judgement.LogLine;
import io.statewall.netfilter.packet.IpAddress;
import io.statewall.netfilter.packet.Packet;
import io.statewall.netfilter.policy.FilterDecision;
import io.statewall.netfilter.policy.PathContext;
import io.statewall.netfilter.policy.Policy;
import io.statewall.netfilter.policy.PolicyHolder;
import io.statewall.netfilter.policy.SwitchPort;
import io.statewall.topology.Attachment;
import io.statewall.topology.TopologyService;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiConsumer;
import org.projectfloodlight.openflow.protocol.OFPortDesc;
import org.projectfloodlight.openflow.types.DatapathId;
import org.projectfloodlight.openflow.types.MacAddress;
import org.projectfloodlight.openflow.types.OFPort;
import org.projectfloodlight.openflow.types.U64;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The firewall's side of the packet path: places a packet in the network (its ingress and egress
 * ports, the hosts at its addresses), asks the pure {@link Judge}, and carries out what the
 * judgement says beside the forwarding decision: the LOG lines, the reject frame, the offload record
 * and the FIN/RST traps of the connection the switches now carry.
 */
public final class Firewall implements ConnectionDecider {
  /** LOG target lines, in the kernel's format; a logger of their own so they can be routed. */
  private static final Logger netfilterLog = LoggerFactory.getLogger("statewall.netfilter");

  private final Judge judge;
  private final PolicyHolder policies;
  private final TopologyService topology;
  private final SwitchRegistry switches;
  private final BiConsumer<Attachment, byte[]> sendBack;
  private final OffloadIndex offloads;
  private final int dropEntrySeconds;
  private final DecisionListener listener;
  private final TeardownTraps traps;
  /** Datapath ids as rules name them, made once per switch: per packet they were 7% of the allocation. */
  private final Map<DatapathId, String> dpidNames = new ConcurrentHashMap<>();

  /** Told of every judgement (for the demo's table, traces and metrics). */
  @FunctionalInterface
  public interface DecisionListener {
    void decided(Packet packet, Attachment ingress, Judgement judgement);

    DecisionListener NONE = (p, a, j) -> {};
  }

  public Firewall(PolicyHolder policies, ConnTracker tracker, TopologyService topology,
      SwitchRegistry switches, BiConsumer<Attachment, byte[]> sendBack, OffloadIndex offloads,
      int dropEntrySeconds, TeardownTraps traps, DecisionListener listener) {
    this.judge = new Judge(policies, tracker, this::hostContext);
    this.policies = policies;
    this.traps = traps;
    this.topology = topology;
    this.switches = switches;
    this.sendBack = sendBack;
    this.offloads = offloads;
    this.dropEntrySeconds = dropEntrySeconds;
    this.listener = listener;
  }

  @Override
  public Decision decide(Packet packet, Attachment ingress) {
    Judgement j = judge(packet, ingress);
    listener.decided(packet, ingress, j);
    if (j.trapsTeardown()) {
      trapTeardown(packet, ingress, j.install());
    }
    return switch (j.verdict()) {
      case ACCEPT -> new Decision.Accept(j.install());
      case REJECT -> Decision.DROP;
      case DROP -> j.dropCacheable() && dropEntrySeconds > 0 ? new Decision.Drop(dropEntrySeconds) : Decision.DROP;
    };
  }

  /**
   * Judges one packet that entered at {@code ingress} and does what the judgement says besides
   * forwarding: logs, the reject frame, the offload record.
   */
  public Judgement judge(Packet p, Attachment ingress) {
    Judgement j = judge.judge(p, context(policies.current(), p, ingress));
    log(j);
    if (j.reject() != null) {
      sendBack.accept(ingress, j.reject());
    }
    if (j.offloaded() != null) {
      offloads.record(p, j.offloaded());
    }
    return j;
  }

  /** The pure judge, for read-only questions (dry runs, adoption). */
  public Judge judge() {
    return judge;
  }

  /** FIN and RST of each offloaded direction still reach conntrack (where the switch can tell them). */
  private void trapTeardown(Packet p, Attachment ingress, Set<CtDirection> install) {
    ExactMatch.of(p).ifPresent(m -> {
      U64 cookie = ConnectionCookie.of(m);
      if (install.contains(CtDirection.ORIGINAL)) {
        traps.install(ingress, m, cookie);
      }
      if (install.contains(CtDirection.REPLY)) {
        topology.host(MacAddress.of(p.dstMac())).ifPresent(h ->
            m.reverse().ifPresent(r -> traps.install(h.attachment(), r, cookie)));
      }
    });
  }

  /** Whether {@code policy} still lets the switches carry both directions of offloaded {@code e}. */
  public boolean stillCarried(Policy policy, CtEntry e) {
    return judge.stillCarried(policy, e);
  }

  /** Whether {@code policy} would let the first packet of {@code original} open a connection (see {@link Judge#opens}). */
  public boolean opens(Policy policy, CtTuple original) {
    return judge.opens(policy, original);
  }

  /** What {@code policy} would answer to the next established packet of {@code e} in {@code dir}, changing nothing. */
  public FilterDecision judgeEstablished(Policy policy, CtEntry e, CtDirection dir) {
    return judge.judgeEstablished(policy, e, dir);
  }

  /** Where {@code p} would go, from the hosts topology has learned at its addresses (read-only, for traces). */
  public PathContext hostContext(Policy policy, Packet p) {
    Attachment from = hostAttachment(p.src());
    Attachment to = hostAttachment(p.dst());
    return new PathContext(policy.hostFor(p.src()), policy.hostFor(p.dst()),
        from == null ? null : switchPort(from), to == null ? null : switchPort(to));
  }

  private Attachment hostAttachment(IpAddress a) {
    return topology.hostByAddress(ExactMatch.address(a)).map(h -> h.attachment()).orElse(null);
  }

  /** A packet of the same connection travelling the other way, as its next packet would look. */
  static Packet reverse(Packet p) {
    return Judge.reverse(p);
  }

  private PathContext context(Policy policy, Packet p, Attachment ingress) {
    if (!p.isIp()) {
      return new PathContext(null, null, switchPort(ingress), null);
    }
    SwitchPort egress = topology.host(MacAddress.of(p.dstMac()))
        .map(h -> switchPort(h.attachment())).orElse(null);
    return new PathContext(policy.hostFor(p.src()), policy.hostFor(p.dst()), switchPort(ingress), egress);
  }

  private SwitchPort switchPort(Attachment a) {
    String name = switches.get(a.sw()).flatMap(sw -> sw.port(OFPort.LOCAL)).map(OFPortDesc::getName).orElse(null);
    String dpid = dpidNames.get(a.sw());
    if (dpid == null) {
      dpid = dpidHex(a.sw().getLong());
      dpidNames.putIfAbsent(a.sw(), dpid);
    }
    return new SwitchPort(dpid, name, a.port().getPortNumber());
  }

  /** 16 hex digits; String.format was a twentieth of the packet path's time in the bench's profile. */
  static String dpidHex(long dpid) {
    String hex = Long.toHexString(dpid);
    return "0000000000000000".substring(hex.length()) + hex;
  }

  private static void log(Judgement j) {
    for (LogLine line : j.logs()) {
      switch (line.level()) {
        case 0, 1, 2, 3 -> netfilterLog.error(line.text());
        case 4 -> netfilterLog.warn(line.text());
        default -> netfilterLog.info(line.text());
      }
    }
  }
}
