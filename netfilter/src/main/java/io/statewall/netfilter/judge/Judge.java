package io.statewall.netfilter.judge;

import io.statewall.netfilter.conntrack.ConnTracker;
import io.statewall.netfilter.conntrack.CtDirection;
import io.statewall.netfilter.conntrack.CtEntry;
import io.statewall.netfilter.conntrack.CtLookup;
import io.statewall.netfilter.conntrack.CtState;
import io.statewall.netfilter.conntrack.CtTuple;
import io.statewall.netfilter.conntrack.HelperVerdict;
import io.statewall.netfilter.conntrack.TrackOptions;
import io.statewall.netfilter.judge.Judgement.LogLine;
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
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/**
 * The stateful firewall's decision for one packet, in Linux's hook order: raw table, conntrack,
 * filter tables along the path (sender's OUTPUT, network FORWARD, receiver's INPUT), then the helper
 * and conntrack's confirm, and which directions of the connection the switches may carry from now on
 * without changing any verdict. Pure: it changes conntrack and nothing else; what goes to switches
 * (the reject frame, entries, traps) is in the {@link Judgement} for the caller to execute.
 */
public final class Judge {
  private final PolicyHolder policies;
  private final ConnTracker tracker;
  private final Locator locator;

  /** Where a packet between two addresses would enter and leave the network, as far as is known. */
  @FunctionalInterface
  public interface Locator {
    PathContext locate(Policy policy, Packet p);
  }

  public Judge(PolicyHolder policies, ConnTracker tracker, Locator locator) {
    this.policies = policies;
    this.tracker = tracker;
    this.locator = locator;
  }

  /** Judges one packet on its way {@code ctx}; tracked state changes as on Linux (a dropped NEW never enters the table). */
  public Judgement judge(Packet p, PathContext ctx) {
    Policy policy = policies.current();
    // a packet on its way: the rules that match count it, as iptables -L -v shows
    RawDecision raw = policy.raw(p, ctx, true);
    List<LogLine> logs = lines(raw.logs(), List.of(), p, ctx);
    if (raw.verdict() != Verdict.ACCEPT) {
      return Judgement.dropped(CtState.INVALID, raw.decidedBy(), null, logs);
    }
    TrackOptions opts = raw.notrack() ? TrackOptions.NOTRACK
        : raw.helper() != null ? TrackOptions.helper(raw.helper()) : TrackOptions.NONE;
    CtLookup ct = tracker.classify(p, opts);
    if (ct.dropNow()) {
      return Judgement.dropped(ct.state(), null, ct.reason(), logs);
    }
    FilterDecision f = policy.filter(p, connInfo(ct), ctx, true);
    logs = lines(f.logs(), logs, p, ctx);
    if (f.verdict() == Verdict.REJECT) {
      byte[] frame = RejectFrames.answer(p, f.rejectWith()).orElse(null);
      return new Judgement(Verdict.REJECT, ct.state(), f.decidedBy(), null, Set.of(), false, frame, logs, null);
    }
    if (f.verdict() == Verdict.DROP) {
      // retries of a refused new connection are refused alike; a packet of a live connection is not
      // cached, since the connection's next packets may be judged otherwise
      boolean cacheable = f.offloadable() && ct.state() == CtState.NEW && ct.isUnconfirmed();
      return new Judgement(Verdict.DROP, ct.state(), f.decidedBy(), null, Set.of(), cacheable, null, logs, null);
    }
    HelperVerdict hv = ct.state() == CtState.INVALID || ct.state() == CtState.UNTRACKED
        ? HelperVerdict.ACCEPT : tracker.confirm(ct);
    if (!hv.accept()) {
      return Judgement.dropped(ct.state(), f.decidedBy(), hv.reason(), logs);
    }
    Set<CtDirection> install = plan(policy, p, ct, f, ctx);
    CtEntry offloaded = null;
    if (!install.isEmpty()) {
      tracker.markOffloaded(ct.entry());
      offloaded = ct.entry();
    }
    return new Judgement(Verdict.ACCEPT, ct.state(), f.decidedBy(), null, install, false, null, logs, offloaded);
  }

  /**
   * Judges one datagram that several hosts receive (broadcast, multicast, or a unicast frame flooded
   * because its destination is not yet known): conntrack sees it once, as the sender's kernel does,
   * under the raw table of the sender and the network; then every receiver's path runs its own raw
   * PREROUTING and the filter (sender's OUTPUT, the network's FORWARD, the receiver's INPUT), and the
   * connection is confirmed once if any receiver accepted. Nothing is ever offloaded, no drop entry
   * is cached and no error is sent back (Linux answers no broadcast or multicast with an ICMP error
   * or a RST). One judgement per receiver, in order.
   */
  public List<Judgement> judgeReceivers(Packet p, PathContext sender, List<PathContext> receivers) {
    Policy policy = policies.current();
    RawDecision raw = policy.raw(p, sender);
    List<LogLine> logs = lines(raw.logs(), List.of(), p, sender);
    List<Judgement> out = new ArrayList<>(receivers.size());
    if (raw.verdict() != Verdict.ACCEPT) {
      Judgement d = Judgement.dropped(CtState.INVALID, raw.decidedBy(), null, logs);
      receivers.forEach(r -> out.add(d));
      return out;
    }
    TrackOptions opts = raw.notrack() ? TrackOptions.NOTRACK
        : raw.helper() != null ? TrackOptions.helper(raw.helper()) : TrackOptions.NONE;
    CtLookup ct = tracker.classify(p, opts);
    if (ct.dropNow()) {
      Judgement d = Judgement.dropped(ct.state(), null, ct.reason(), logs);
      receivers.forEach(r -> out.add(d));
      return out;
    }
    ConnInfo info = connInfo(ct);
    boolean anyAccepted = false;
    for (PathContext r : receivers) {
      RawDecision rr = policy.raw(p, r);
      if (rr.verdict() != Verdict.ACCEPT) {
        out.add(Judgement.dropped(ct.state(), rr.decidedBy(), null, lines(rr.logs(), List.of(), p, r)));
        continue;
      }
      FilterDecision f = policy.filter(p, info, r);
      List<LogLine> rl = lines(f.logs(), out.isEmpty() ? logs : List.of(), p, r);
      if (f.verdict() != Verdict.ACCEPT) {
        out.add(Judgement.dropped(ct.state(), f.decidedBy(), null, rl));
        continue;
      }
      anyAccepted = true;
      out.add(new Judgement(Verdict.ACCEPT, ct.state(), f.decidedBy(), null, Set.of(), false, null, rl, null));
    }
    if (anyAccepted && ct.state() != CtState.INVALID && ct.state() != CtState.UNTRACKED) {
      HelperVerdict hv = tracker.confirm(ct);
      if (!hv.accept()) {
        out.replaceAll(j -> j.accepted() ? Judgement.dropped(j.state(), j.decidedBy(), hv.reason(), j.logs()) : j);
      }
    }
    return out;
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
        || !e.hasStatus(CtEntry.SEEN_REPLY) || !entriesTellFragmentsApart(e)
        || (e.protocol() == Packet.PROTO_TCP && !"ESTABLISHED".equals(e.tcpStateName()))) {
      return Set.of();
    }
    Set<CtDirection> install = EnumSet.of(CtDirection.ORIGINAL);
    CtDirection backDir = ct.direction() == CtDirection.ORIGINAL ? CtDirection.REPLY : CtDirection.ORIGINAL;
    PathContext backCtx = ctx.reversed();
    if (carries(policy, reverse(p), backDir, e, backCtx)) {
      install.add(CtDirection.REPLY);
    }
    return install;
  }

  /**
   * Whether the switches may carry the established packets of {@code e} that look like {@code p}
   * (travelling in {@code dir}): the rules accept them whatever their per-packet fields, and log nothing.
   */
  private boolean carries(Policy policy, Packet p, CtDirection dir, CtEntry e, PathContext ctx) {
    // a what-if: asking must not take a token, list an address or count a packet
    RawDecision raw = policy.whatIfRaw(p, ctx);
    if (raw.verdict() != Verdict.ACCEPT || raw.notrack()) {
      return false;
    }
    FilterDecision f = policy.whatIfFilter(p, connInfo(CtState.ESTABLISHED, dir, e), ctx);
    return f.accepted() && f.offloadable() && f.logs().isEmpty();
  }

  /** Whether {@code policy} still lets the switches carry both directions of offloaded {@code e}. */
  public boolean stillCarried(Policy policy, CtEntry e) {
    if (!entriesTellFragmentsApart(e)) {
      return false; // never carried: they stay with the controller (see plan)
    }
    for (CtDirection dir : CtDirection.values()) {
      Packet p = established(e, dir);
      if (!carries(policy, p, dir, e, locator.locate(policy, p))) {
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
    PathContext ctx = locator.locate(policy, p);
    RawDecision raw = policy.whatIfRaw(p, ctx);
    if (raw.verdict() != Verdict.ACCEPT || raw.notrack() || raw.helper() != null) {
      return false;
    }
    ConnInfo info = new ConnInfo.Of(CtState.NEW, CtDirection.ORIGINAL, 0, original.src(), original.dst(),
        original.dst(), original.src(), original.protocol(), null);
    return policy.whatIfFilter(p, info, ctx).accepted();
  }

  /**
   * What {@code policy} would answer to the next established packet of tracked {@code e} in
   * {@code dir}, changing nothing (for a policy dry run): the raw tables' drop, else the filter's verdict.
   */
  public FilterDecision judgeEstablished(Policy policy, CtEntry e, CtDirection dir) {
    Packet p = established(e, dir);
    PathContext ctx = locator.locate(policy, p);
    RawDecision raw = policy.whatIfRaw(p, ctx);
    if (raw.verdict() != Verdict.ACCEPT) {
      return new FilterDecision(raw.verdict(), null, raw.decidedBy(), List.of(), false);
    }
    return policy.whatIfFilter(p, connInfo(CtState.ESTABLISHED, dir, e), ctx);
  }

  /**
   * Whether the switches may carry {@code e} at all: only TCP and UDP with a port, whose exact
   * entries never match a non-first fragment. OVS (frag mode "normal") gives every non-first fragment
   * ports, and ICMP type and code, of 0, and OpenFlow cannot match the fragment bits, so an entry of
   * any other protocol (GRE, ESP, AH, SCTP, ...) between two hosts would pass all that protocol's
   * fragments between them unjudged: those connections stay with the controller, every packet judged.
   * ICMP queries never either: OpenFlow cannot match the echo id, so an entry for one exchange would
   * pass every echo reply between the two hosts, whatever its id.
   */
  static boolean entriesTellFragmentsApart(CtEntry e) {
    if (e.protocol() != Packet.PROTO_TCP && e.protocol() != Packet.PROTO_UDP) {
      return false;
    }
    CtTuple t = e.tuple(CtDirection.ORIGINAL);
    return t.srcPort() != 0 || t.dstPort() != 0; // ports 0 and 0 is what every fragment shows
  }

  /** The packet an established connection would send next in {@code dir}. */
  private static Packet established(CtEntry e, CtDirection dir) {
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
  public static Packet reverse(Packet p) {
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

  private ConnInfo connInfo(CtLookup l) {
    if (l.state() == CtState.UNTRACKED) {
      return ConnInfo.UNTRACKED;
    }
    if (l.entry() == null) {
      return new ConnInfo.Of(l.state(), CtDirection.ORIGINAL, 0, null, null, null, null, 0, null);
    }
    return connInfo(l.state(), l.direction(), l.entry());
  }

  private ConnInfo connInfo(CtState state, CtDirection dir, CtEntry e) {
    return ConnInfo.of(state, dir, e, tracker);
  }

  /** The LOG targets' lines so far plus {@code more}, formatted as the kernel formats them. */
  private static List<LogLine> lines(List<LogRecord> more, List<LogLine> sofar, Packet p, PathContext ctx) {
    if (more.isEmpty()) {
      return sofar;
    }
    String in = ctx.ingress() == null ? "" : portName(ctx.ingress());
    String out = ctx.egress() == null ? "" : portName(ctx.egress());
    List<LogLine> all = new ArrayList<>(sofar.size() + more.size());
    all.addAll(sofar);
    for (LogRecord r : more) {
      all.add(new LogLine(r.level(), KernelLogFormat.format(r.prefix(), p, in, out)));
    }
    return all;
  }

  private static String portName(SwitchPort sp) {
    return (sp.name() != null ? sp.name() : sp.dpid()) + ":" + sp.port();
  }
}
