package io.statewall.firewall;

import io.statewall.netfilter.conntrack.ConnTracker;
import io.statewall.netfilter.conntrack.CtDirection;
import io.statewall.netfilter.conntrack.CtEntry;
import io.statewall.netfilter.conntrack.CtLookup;
import io.statewall.netfilter.conntrack.CtState;
import io.statewall.netfilter.conntrack.CtTuple;
import io.statewall.netfilter.conntrack.HelperVerdict;
import io.statewall.netfilter.conntrack.TrackOptions;
import io.statewall.firewall.forwarding.ConnectionDecider;
import io.statewall.firewall.forwarding.Decision;
import io.statewall.firewall.forwarding.ConnectionCookie;
import io.statewall.firewall.forwarding.ExactMatch;
import io.statewall.firewall.forwarding.OffloadGuard;
import io.statewall.netfilter.packet.IpAddress;
import io.statewall.netfilter.packet.Packet;
import io.statewall.netfilter.policy.FilterDecision;
import io.statewall.netfilter.policy.PathContext;
import io.statewall.netfilter.policy.Policy;
import io.statewall.netfilter.policy.PolicyHolder;
import io.statewall.netfilter.policy.RawDecision;
import io.statewall.netfilter.policy.SwitchPort;
import io.statewall.netfilter.rules.ConnInfo;
import io.statewall.netfilter.rules.LogRecord;
import io.statewall.netfilter.rules.Verdict;
import io.statewall.controller.switches.SwitchRegistry;
import io.statewall.topology.Attachment;
import io.statewall.topology.TopologyService;
import java.util.EnumSet;
import java.util.List;
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
 * The stateful firewall's decision for each packet that reaches the controller, in Linux's hook
 * order: raw table, conntrack, filter tables along the path (sender's OUTPUT, network FORWARD,
 * receiver's INPUT), then the helper and conntrack's confirm — and which directions of the
 * connection the switches may carry from now on without changing any verdict.
 */
public final class Firewall implements ConnectionDecider {
  private static final Logger log = LoggerFactory.getLogger(Firewall.class);
  /** LOG target lines, in the kernel's format; a logger of their own so they can be routed. */
  private static final Logger netfilterLog = LoggerFactory.getLogger("statewall.netfilter");

  private final PolicyHolder policies;
  private final ConnTracker tracker;
  private final TopologyService topology;
  private final SwitchRegistry switches;
  private final BiConsumer<Attachment, byte[]> sendBack;
  private final OffloadIndex offloads;
  private final int dropEntrySeconds;
  private final DecisionListener listener;
  private final TeardownTraps traps;
  /**
   * Counts policy swaps. A verdict remembers the count it was reached under; its offload, written
   * later on another lock, checks it (under {@link #offloadLock}'s read side, while a swap holds the
   * write side), so entries of a verdict the new policy no longer gives are never written after the
   * swap's sweep removed the rest.
   */
  private final java.util.concurrent.atomic.AtomicLong generation = new java.util.concurrent.atomic.AtomicLong();
  private final java.util.concurrent.locks.ReentrantReadWriteLock offloadLock =
      new java.util.concurrent.locks.ReentrantReadWriteLock();
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
    this.traps = traps;
    this.policies = policies;
    this.tracker = tracker;
    this.topology = topology;
    this.switches = switches;
    this.sendBack = sendBack;
    this.offloads = offloads;
    this.dropEntrySeconds = dropEntrySeconds;
    this.listener = listener;
  }

  @Override
  public Decision decide(Packet packet, Attachment ingress) {
    // read before judge reads the policy: a swap in between makes the offload check again
    long verdictGeneration = generation.get();
    Judgement j = judge(packet, ingress);
    listener.decided(packet, ingress, j);
    if (packet.isTcp() && !j.install().isEmpty()) {
      trapTeardown(packet, ingress, j.install());
    }
    return switch (j.verdict()) {
      case ACCEPT -> new Decision.Accept(j.install(),
          j.install().isEmpty() ? OffloadGuard.ALWAYS : guard(packet, verdictGeneration));
      case REJECT -> Decision.DROP;
      case DROP -> j.dropCacheable() && dropEntrySeconds > 0 ? new Decision.Drop(dropEntrySeconds) : Decision.DROP;
    };
  }

  /** Judges one packet; tracked state changes as on Linux (a dropped NEW never enters the table). */
  public Judgement judge(Packet p, Attachment ingress) {
    Policy policy = policies.current();
    PathContext ctx = context(policy, p, ingress);
    RawDecision raw = policy.raw(p, ctx);
    logAll(raw.logs(), p, ctx);
    if (raw.verdict() != Verdict.ACCEPT) {
      return Judgement.dropped(CtState.INVALID, raw.decidedBy(), null);
    }
    TrackOptions opts = raw.notrack() ? TrackOptions.NOTRACK
        : raw.helper() != null ? TrackOptions.helper(raw.helper()) : TrackOptions.NONE;
    CtLookup ct = tracker.classify(p, opts);
    if (ct.dropNow()) {
      return Judgement.dropped(ct.state(), null, ct.reason());
    }
    FilterDecision f = policy.filter(p, connInfo(ct), ctx);
    logAll(f.logs(), p, ctx);
    if (f.verdict() == Verdict.REJECT) {
      RejectFrames.answer(p, f.rejectWith()).ifPresent(frame -> sendBack.accept(ingress, frame));
      return new Judgement(Verdict.REJECT, ct.state(), f.decidedBy(), null, Set.of(), false);
    }
    if (f.verdict() == Verdict.DROP) {
      // retries of a refused new connection are refused alike; a packet of a live connection is not
      // cached, since the connection's next packets may be judged otherwise
      boolean cacheable = f.offloadable() && ct.state() == CtState.NEW && ct.isUnconfirmed();
      return new Judgement(Verdict.DROP, ct.state(), f.decidedBy(), null, Set.of(), cacheable);
    }
    HelperVerdict hv = ct.state() == CtState.INVALID || ct.state() == CtState.UNTRACKED
        ? HelperVerdict.ACCEPT : tracker.confirm(ct);
    if (!hv.accept()) {
      return Judgement.dropped(ct.state(), f.decidedBy(), hv.reason());
    }
    Set<CtDirection> install = plan(policy, p, ct, f, ctx);
    if (!install.isEmpty()) {
      tracker.markOffloaded(ct.entry());
      offloads.record(p, ct.entry());
    }
    return new Judgement(Verdict.ACCEPT, ct.state(), f.decidedBy(), null, install, false);
  }

  /**
   * Replaces the running policy while no offload is being written, then runs {@code sweep} (which
   * removes the entries the new policy no longer carries) before any offload of an older verdict
   * may be written; such an offload is written only if the new policy carries its connection.
   */
  public void replacePolicy(Policy next, Runnable sweep) {
    offloadLock.writeLock().lock();
    try {
      policies.replace(next);
      generation.incrementAndGet();
      sweep.run();
    } finally {
      offloadLock.writeLock().unlock();
    }
  }

  /** The check between the verdict on {@code p} (reached under {@code verdictGeneration}) and its offload. */
  private OffloadGuard guard(Packet p, long verdictGeneration) {
    CtEntry entry = ExactMatch.of(p).flatMap(m -> offloads.entry(ConnectionCookie.of(m))).orElse(null);
    if (entry == null) {
      return write -> false;
    }
    return write -> {
      offloadLock.readLock().lock();
      try {
        if (generation.get() != verdictGeneration && !stillCarried(policies.current(), entry)) {
          // the swap's sweep ran after this verdict: it is this offload's to drop
          offloads.forget(entry);
          return false;
        }
        // under the entry's lock: a conntrack delete or expiry either came first (nothing is written)
        // or comes after, and its removal listener deletes what was written
        if (!tracker.whileLive(entry, write)) {
          if (entry.hasStatus(CtEntry.DYING)) {
            offloads.forget(entry);
          }
          return false;
        }
        return true;
      } finally {
        offloadLock.readLock().unlock();
      }
    };
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

  /**
   * Which directions later packets may take through the switches alone. Only a connection whose
   * state can no longer change the rules' answer: seen both ways (so its packets are ESTABLISHED in
   * both directions), TCP past its handshake, no helper reading its payload, and rules whose answer
   * does not depend on per-packet fields (flags, length, limits).
   */
  private Set<CtDirection> plan(Policy policy, Packet p, CtLookup ct, FilterDecision f, PathContext ctx) {
    CtEntry e = ct.entry();
    if (e == null || !f.offloadable() || ct.state() != CtState.ESTABLISHED || e.helper() != null
        || !e.hasStatus(CtEntry.SEEN_REPLY)
        || (e.protocol() == Packet.PROTO_TCP && !"ESTABLISHED".equals(e.tcpStateName()))) {
      return Set.of();
    }
    Set<CtDirection> install = EnumSet.of(CtDirection.ORIGINAL);
    CtDirection backDir = ct.direction() == CtDirection.ORIGINAL ? CtDirection.REPLY : CtDirection.ORIGINAL;
    PathContext backCtx = new PathContext(ctx.dstHost(), ctx.srcHost(), ctx.egress(), ctx.ingress());
    if (carries(policy, reverse(p), backDir, e, backCtx)) {
      install.add(CtDirection.REPLY);
    }
    return install;
  }

  /**
   * Whether the switches may carry the established packets of {@code e} that look like {@code p}
   * (travelling in {@code dir}): the rules accept them whatever their per-packet fields, and log nothing.
   */
  private static boolean carries(Policy policy, Packet p, CtDirection dir, CtEntry e, PathContext ctx) {
    RawDecision raw = policy.raw(p, ctx);
    if (raw.verdict() != Verdict.ACCEPT || raw.notrack()) {
      return false;
    }
    FilterDecision f = policy.filter(p, connInfo(CtState.ESTABLISHED, dir, e), ctx);
    return f.accepted() && f.offloadable() && f.logs().isEmpty();
  }

  /** Whether {@code policy} still lets the switches carry both directions of offloaded {@code e}. */
  public boolean stillCarried(Policy policy, CtEntry e) {
    for (CtDirection dir : CtDirection.values()) {
      Packet p = established(e, dir);
      if (!carries(policy, p, dir, e, hostContext(policy, p))) {
        return false;
      }
    }
    return true;
  }

  /**
   * Whether {@code policy} would let the first packet of {@code original} open a connection: the raw
   * tables accept it tracked and ask for no helper (helper connections are never offloaded), and the
   * filter accepts it as NEW. Changes nothing; for adopting connections found in the switches.
   */
  public boolean opens(Policy policy, CtTuple original) {
    Packet.Builder b = Packet.builder().addresses(original.src(), original.dst());
    switch (original.protocol()) {
      case Packet.PROTO_TCP -> b.tcp(original.srcPort(), original.dstPort(), Packet.TCP_SYN);
      case Packet.PROTO_UDP -> b.udp(original.srcPort(), original.dstPort());
      case Packet.PROTO_ICMP, Packet.PROTO_ICMPV6 ->
          b.icmp(original.icmpType(), original.icmpCode()).icmpId(original.icmpId());
      default -> b.protocol(original.protocol());
    }
    Packet p = b.build();
    PathContext ctx = hostContext(policy, p);
    RawDecision raw = policy.raw(p, ctx);
    if (raw.verdict() != Verdict.ACCEPT || raw.notrack() || raw.helper() != null) {
      return false;
    }
    ConnInfo info = new ConnInfo.Of(CtState.NEW, CtDirection.ORIGINAL, 0, original.src(), original.dst(),
        original.dst(), original.src(), original.protocol(), null);
    return policy.filter(p, info, ctx).accepted();
  }

  /**
   * What {@code policy} would answer to the next established packet of tracked {@code e} in
   * {@code dir}, changing nothing (for a policy dry run): the raw tables' drop, else the filter's verdict.
   */
  public FilterDecision judgeEstablished(Policy policy, CtEntry e, CtDirection dir) {
    Packet p = established(e, dir);
    PathContext ctx = hostContext(policy, p);
    RawDecision raw = policy.raw(p, ctx);
    if (raw.verdict() != Verdict.ACCEPT) {
      return new FilterDecision(raw.verdict(), null, raw.decidedBy(), List.of(), false);
    }
    return policy.filter(p, connInfo(CtState.ESTABLISHED, dir, e), ctx);
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

  /** The packet an established connection would send next in {@code dir}. */
  private Packet established(CtEntry e, CtDirection dir) {
    CtTuple t = e.tuple(dir);
    Packet.Builder b = Packet.builder().addresses(t.src(), t.dst());
    switch (e.protocol()) {
      case Packet.PROTO_TCP -> b.tcp(t.srcPort(), t.dstPort(), Packet.TCP_ACK);
      case Packet.PROTO_UDP -> b.udp(t.srcPort(), t.dstPort());
      case Packet.PROTO_ICMP, Packet.PROTO_ICMPV6 -> b.icmp(t.icmpType(), t.icmpCode()).icmpId(t.icmpId());
      default -> b.protocol(e.protocol());
    }
    return b.build();
  }

  /** A packet of the same connection travelling the other way, as its next packet would look. */
  static Packet reverse(Packet p) {
    Packet.Builder b = Packet.builder().addresses(p.dst(), p.src()).srcMac(p.dstMac()).dstMac(p.srcMac())
        .vlan(p.vlan()).ttl(64).ipLength(p.ipLength());
    if (p.isTcp()) {
      b.tcp(p.dstPort(), p.srcPort(), Packet.TCP_ACK);
    } else if (p.isUdp()) {
      b.udp(p.dstPort(), p.srcPort());
    } else if (p.isIcmp()) {
      b.icmp(replyType(p), 0).icmpId(p.icmpId());
    } else {
      b.protocol(p.protocol());
    }
    return b.build();
  }

  private static int replyType(Packet p) {
    int t = p.icmpType();
    if (p.protocol() == Packet.PROTO_ICMP) {
      return switch (t) {
        case 8 -> 0; case 0 -> 8; case 13 -> 14; case 14 -> 13; case 15 -> 16; case 16 -> 15;
        case 17 -> 18; case 18 -> 17; default -> t;
      };
    }
    return switch (t) {
      case 128 -> 129; case 129 -> 128; default -> t;
    };
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

  static ConnInfo connInfo(CtLookup l) {
    if (l.state() == CtState.UNTRACKED) {
      return ConnInfo.UNTRACKED;
    }
    if (l.entry() == null) {
      return new ConnInfo.Of(l.state(), CtDirection.ORIGINAL, 0, null, null, null, null, 0, null);
    }
    return connInfo(l.state(), l.direction(), l.entry());
  }

  static ConnInfo connInfo(CtState state, CtDirection dir, CtEntry e) {
    CtTuple o = e.tuple(CtDirection.ORIGINAL);
    CtTuple r = e.tuple(CtDirection.REPLY);
    return new ConnInfo.Of(state, dir, e.status(), o.src(), o.dst(), r.src(), r.dst(), e.protocol(), e.helper());
  }

  private void logAll(List<LogRecord> logs, Packet p, PathContext ctx) {
    if (logs.isEmpty() || !netfilterLog.isInfoEnabled()) {
      return;
    }
    String in = ctx.ingress() == null ? "" : portName(ctx.ingress());
    String out = ctx.egress() == null ? "" : portName(ctx.egress());
    for (LogRecord r : logs) {
      String line = KernelLogFormat.format(r.prefix(), p, in, out);
      switch (r.level()) {
        case 0, 1, 2, 3 -> netfilterLog.error(line);
        case 4 -> netfilterLog.warn(line);
        default -> netfilterLog.info(line);
      }
    }
  }

  private static String portName(SwitchPort sp) {
    return (sp.name() != null ? sp.name() : sp.dpid()) + ":" + sp.port();
  }
}
