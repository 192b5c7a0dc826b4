package io.statewall.operator.api;

import io.statewall.operator.api.Views.HopView;
import io.statewall.operator.api.Views.PacketView;
import io.statewall.operator.api.Views.ReceiverView;
import io.statewall.operator.api.Views.RuleView;
import io.statewall.operator.api.Views.StepView;
import io.statewall.operator.api.Views.TraceView;
import io.statewall.netfilter.conntrack.CtDirection;
import io.statewall.netfilter.conntrack.CtEntry;
import io.statewall.netfilter.conntrack.CtState;
import io.statewall.netfilter.conntrack.CtTuple;
import io.statewall.netfilter.conntrack.Expectation;
import io.statewall.netfilter.packet.IpAddress;
import io.statewall.netfilter.packet.Packet;
import io.statewall.netfilter.policy.ChainStep;
import io.statewall.netfilter.policy.PathContext;
import io.statewall.netfilter.policy.Policy;
import io.statewall.netfilter.policy.RawDecision;
import io.statewall.netfilter.rules.ConnInfo;
import io.statewall.netfilter.rules.Verdict;
import io.statewall.operator.source.ConntrackView;
import io.statewall.operator.source.OffloadView;
import io.statewall.operator.source.PolicyControl;
import io.statewall.operator.source.TopologyView;
import io.statewall.topology.Attachment;
import io.statewall.topology.Host;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * Explains what the firewall would do with a hypothetical packet, changing nothing: the conntrack
 * state it would have (from a tracked connection, an expectation, or none), every chain on its
 * path with the rule that answered, the verdict, and the path and entries it would get or has.
 */
final class Tracer {
  static final Set<String> PARAMS = Set.of("src", "dst", "proto", "sport", "dport", "state");

  private final ConntrackView conntrack;
  private final OffloadView offloads;
  private final PolicyControl policies;
  private final TopologyView topology;

  Tracer(ApiSources sources) {
    this.conntrack = sources.conntrack();
    this.offloads = sources.offloads();
    this.policies = sources.policy();
    this.topology = sources.topology();
  }

  TraceView trace(Query q) {
    IpAddress src = require(q.address("src"), "src");
    IpAddress dst = require(q.address("dst"), "dst");
    if (src.family() != dst.family()) {
      throw ApiError.badRequest("src and dst must both be IPv4 or both IPv6");
    }
    int proto = q.protocol("proto");
    if (proto < 0) {
      proto = Packet.PROTO_TCP;
    }
    boolean ports = proto == Packet.PROTO_TCP || proto == Packet.PROTO_UDP;
    int sport = q.integer("sport", 1, 65535, ports ? 40000 : -1);
    int dport = q.integer("dport", 1, 65535, -1);
    if (ports && dport < 0) {
      throw ApiError.badRequest("dport is required for tcp and udp");
    }
    CtState forced = state(q.string("state"));

    Policy policy = policies.current();
    CtTuple tuple = ports ? CtTuple.ports(src, dst, proto, sport, dport) : CtTuple.generic(src, dst, proto);
    Match conn = find(tuple, ports);
    Expectation exp = conn == null && ports ? expectation(src, dst, proto, dport) : null;

    Packet probe = packet(src, dst, proto, sport, dport, Packet.TCP_SYN);
    PathContext ctx = policies.hostContext(policy, probe);
    RawDecision raw = policy.whatIfRaw(probe, ctx);
    CtState state = forced != null ? forced
        : raw.notrack() ? CtState.UNTRACKED
        : conn != null ? conn.state()
        : exp != null ? CtState.RELATED : CtState.NEW;
    boolean fresh = state == CtState.NEW || (state == CtState.RELATED && conn == null);
    Packet p = packet(src, dst, proto, sport, dport, fresh ? Packet.TCP_SYN : Packet.TCP_ACK);
    ConnInfo ct = connInfo(state, conn, p, exp != null ? exp.helper() : raw.helper());

    List<ChainStep> steps = policy.explain(p, ct, ctx);
    Verdict verdict = Verdict.ACCEPT;
    RuleView by = null;
    for (ChainStep s : steps) {
      by = RuleView.of(s.decidedBy());
      verdict = s.verdict();
    }
    List<StepView> chains = steps.stream().map(s -> new StepView(s.ruleSet(), s.table(), s.chain(),
        s.verdict().name(), RuleView.of(s.decidedBy()))).toList();

    List<HopView> path = path(src, dst);
    String cookie = null;
    List<HopView> installed = List.of();
    if (conn != null) {
      Optional<String> c = offloads.cookie(conn.entry());
      if (c.isPresent()) {
        cookie = c.get();
        installed = offloads.installed(conn.entry()).map(i -> HopView.of(i.path())).orElse(List.of());
      }
    }
    List<ReceiverView> receivers = null;
    if (toSeveral(policy, dst)) {
      // a broadcast or multicast datagram: the sender's OUTPUT and the network's FORWARD above, then
      // each receiving host's own INPUT, as the network delivers it (only to the hosts that accept)
      receivers = receivers(policy, p, ct, ctx);
      boolean any = receivers.stream().anyMatch(r -> r.verdict().equals(Verdict.ACCEPT.name()));
      if (verdict == Verdict.ACCEPT && !receivers.isEmpty() && !any) {
        // no host takes it: what the first receiver's rules said stands for all
        verdict = Verdict.valueOf(receivers.get(0).verdict());
        by = receivers.get(0).decidedBy();
      }
    }
    return new TraceView(new PacketView(src.toString(), dst.toString(), proto, ports ? sport : null,
        ports ? dport : null), state.name(), conn == null ? null : conntrack.format(conn.entry()),
        exp == null ? null : expectationLine(exp), chains, verdict.name(), by, path, cookie, installed, receivers);
  }

  /**
   * Whether a datagram to {@code dst} goes to several hosts: IPv4 limited broadcast and multicast,
   * IPv6 multicast, and an IPv4 subnet broadcast (x.x.x.255) that no host of the policy or the
   * network owns.
   */
  private boolean toSeveral(Policy policy, IpAddress dst) {
    if (dst.isV6()) {
      return (dst.hi() >>> 56) == 0xFF;
    }
    int a = dst.v4Int();
    if (a == -1 || (a >>> 28) == 0xE) {
      return true;
    }
    return (a & 0xFF) == 0xFF && policy.hostFor(dst) == null
        && topology.hostByAddress(dst).isEmpty();
  }

  /** Each policy host but the sender, as a receiver: the filter chains of its path and its verdict. */
  private List<ReceiverView> receivers(Policy policy, Packet p, ConnInfo ct, PathContext sender) {
    List<ReceiverView> out = new ArrayList<>();
    for (var h : policy.hosts().values()) {
      if (h.id().equals(sender.srcHost()) || h.addresses().isEmpty()) {
        continue;
      }
      // where that host was learned, if it was: its port is the egress its rules see
      Packet towards = Packet.builder().addresses(p.src(), h.addresses().get(0).network()).ttl(64).build();
      PathContext at = policies.hostContext(policy, towards);
      PathContext ctx = new PathContext(sender.srcHost(), h.id(), sender.ingress(), at.egress(),
          sender.srcRoutes(), false);
      List<ChainStep> steps = policy.explain(p, ct, ctx);
      Verdict v = Verdict.ACCEPT;
      RuleView rule = null;
      for (ChainStep s : steps) {
        v = s.verdict();
        rule = RuleView.of(s.decidedBy());
      }
      out.add(new ReceiverView(h.id(), v.name(), rule, steps.stream().map(s -> new StepView(s.ruleSet(),
          s.table(), s.chain(), s.verdict().name(), RuleView.of(s.decidedBy()))).toList()));
    }
    return out;
  }

  private static IpAddress require(IpAddress a, String name) {
    if (a == null) {
      throw ApiError.badRequest(name + " is required (an IPv4 or IPv6 address)");
    }
    return a;
  }

  private static CtState state(String s) {
    if (s == null) {
      return null;
    }
    try {
      return CtState.valueOf(s.toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw ApiError.badRequest("state: '" + s + "' is not one of NEW, ESTABLISHED, RELATED, INVALID, UNTRACKED");
    }
  }

  /** A tracked connection the packet belongs to, the direction it would travel, and the state it would see. */
  private record Match(CtEntry entry, CtDirection direction, CtState state) {}

  private Match find(CtTuple t, boolean ports) {
    for (CtEntry e : conntrack.entries()) {
      for (CtDirection dir : CtDirection.values()) {
        CtTuple et = e.tuple(dir);
        boolean same = et.src().equals(t.src()) && et.dst().equals(t.dst()) && e.protocol() == t.protocol()
            && (!ports || (et.srcPort() == t.srcPort() && et.dstPort() == t.dstPort()));
        if (same) {
          // Linux: a reply is ESTABLISHED; the original direction once a reply was seen, else RELATED or NEW
          CtState s = dir == CtDirection.REPLY || e.hasStatus(CtEntry.SEEN_REPLY) ? CtState.ESTABLISHED
              : e.master() != null ? CtState.RELATED : CtState.NEW;
          return new Match(e, dir, s);
        }
      }
    }
    return null;
  }

  private Expectation expectation(IpAddress src, IpAddress dst, int proto, int dport) {
    for (Expectation x : conntrack.expectations()) {
      if (x.src().equals(src) && x.dst().equals(dst) && x.protocol() == proto && x.dstPort() == dport) {
        return x;
      }
    }
    return null;
  }

  private static String expectationLine(Expectation x) {
    CtTuple m = x.master().tuple(CtDirection.ORIGINAL);
    return "proto=" + x.protocol() + " src=" + x.src() + " dst=" + x.dst() + " sport=0 dport=" + x.dstPort()
        + " master-src=" + m.src() + " master-dst=" + m.dst() + " sport=" + m.srcPort() + " dport=" + m.dstPort()
        + (x.helper() == null ? "" : " helper=" + x.helper());
  }

  private static Packet packet(IpAddress src, IpAddress dst, int proto, int sport, int dport, int tcpFlags) {
    Packet.Builder b = Packet.builder().addresses(src, dst).ttl(64).ipLength(60);
    switch (proto) {
      case Packet.PROTO_TCP -> b.tcp(sport, dport, tcpFlags);
      case Packet.PROTO_UDP -> b.udp(sport, dport);
      case Packet.PROTO_ICMP, Packet.PROTO_ICMPV6 -> b.icmp(proto == Packet.PROTO_ICMPV6 ? 128 : 8, 0);
      default -> b.protocol(proto);
    }
    return b.build();
  }

  private static ConnInfo connInfo(CtState state, Match conn, Packet p, String helper) {
    if (state == CtState.UNTRACKED) {
      return ConnInfo.UNTRACKED;
    }
    if (state == CtState.INVALID) {
      return ConnInfo.NOT_TRACKED_YET;
    }
    if (conn != null) {
      CtEntry e = conn.entry();
      CtTuple o = e.tuple(CtDirection.ORIGINAL);
      CtTuple r = e.tuple(CtDirection.REPLY);
      return new ConnInfo.Of(state, conn.direction(), e.status(), o.src(), o.dst(), r.src(), r.dst(),
          e.protocol(), e.helper());
    }
    int status = state == CtState.RELATED ? CtEntry.EXPECTED : 0;
    if (state == CtState.ESTABLISHED) {
      status |= CtEntry.SEEN_REPLY | CtEntry.CONFIRMED;
    }
    return new ConnInfo.Of(state, CtDirection.ORIGINAL, status, p.src(), p.dst(), p.dst(), p.src(), p.protocol(),
        helper);
  }

  private List<HopView> path(IpAddress src, IpAddress dst) {
    Optional<Attachment> a = topology.hostByAddress(src).map(Host::attachment);
    Optional<Attachment> b = topology.hostByAddress(dst).map(Host::attachment);
    if (a.isEmpty() || b.isEmpty()) {
      return List.of();
    }
    return topology.path(a.get(), b.get()).map(HopView::of).orElse(List.of());
  }
}
