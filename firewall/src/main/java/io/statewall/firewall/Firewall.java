package io.statewall.firewall;

import io.statewall.controller.switches.SwitchRegistry;
import io.statewall.firewall.forwarding.ConnectionDecider;
import io.statewall.firewall.forwarding.Decision;
import io.statewall.firewall.forwarding.ExactMatch;
import io.statewall.firewall.forwarding.FlowKey;
import io.statewall.firewall.forwarding.OffloadGuard;
import io.statewall.firewall.forwarding.OffloadTable;
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
import io.statewall.netfilter.rules.Verdict;
import io.statewall.topology.Attachment;
import io.statewall.topology.Host;
import io.statewall.topology.TopologyService;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import org.projectfloodlight.openflow.protocol.OFPortDesc;
import org.projectfloodlight.openflow.types.DatapathId;
import org.projectfloodlight.openflow.types.IPAddress;
import org.projectfloodlight.openflow.types.IPv6Address;
import org.projectfloodlight.openflow.types.MacAddress;
import org.projectfloodlight.openflow.types.OFPort;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The firewall's side of the packet path: places a packet in the network (its ingress and egress
 * ports, the hosts at its addresses), asks the pure {@link Judge}, writes its LOG lines and the
 * offload record, and turns the judgement into a forwarding {@link Decision} (reject frame, traps,
 * entries to write), which the one executor, {@code ConnectionForwarder}, writes to the switches.
 * Nothing here writes to a switch.
 */
public final class Firewall implements ConnectionDecider {
  /** LOG target lines, in the kernel's format; a logger of their own so they can be routed. */
  private static final Logger netfilterLog = LoggerFactory.getLogger("statewall.netfilter");

  private final Judge judge;
  private final PolicyHolder policies;
  private final TopologyService topology;
  private final SwitchRegistry switches;
  private final OffloadTable offloads;
  private final int dropEntrySeconds;
  private final DecisionListener listener;
  private final ConnTracker tracker;
  /**
   * Counts policy swaps. A verdict remembers the count it was reached under; its offload, written
   * later on another lock, checks it (under {@link #offloadLock}'s read side, while a swap holds the
   * write side), so entries of a verdict the new policy no longer gives are never written after the
   * swap's sweep removed the rest.
   */
  private final AtomicLong generation = new AtomicLong();
  private final ReentrantReadWriteLock offloadLock = new ReentrantReadWriteLock();
  /** Datapath ids as rules name them, made once per switch: per packet they were 7% of the allocation. */
  private final Map<DatapathId, String> dpidNames = new ConcurrentHashMap<>();

  /** Told of every judgement (for the demo's table, traces and metrics). */
  @FunctionalInterface
  public interface DecisionListener {
    void decided(Packet packet, Attachment ingress, Judgement judgement);

    DecisionListener NONE = (p, a, j) -> {};
  }

  /**
   * What the firewall does with a judgement besides the forwarding decision it returns.
   *
   * @param offloads where an offloaded connection's record goes
   * @param dropEntrySeconds lifetime of a refused opening's drop entry (0: none)
   * @param listener told of every judgement
   */
  public record Outputs(OffloadTable offloads, int dropEntrySeconds, DecisionListener listener) {}

  public Firewall(PolicyHolder policies, ConnTracker tracker, TopologyService topology,
      SwitchRegistry switches, Outputs outputs) {
    this.judge = new Judge(policies, tracker, this::hostContext);
    this.policies = policies;
    this.tracker = tracker;
    this.topology = topology;
    this.switches = switches;
    this.offloads = outputs.offloads();
    this.dropEntrySeconds = outputs.dropEntrySeconds();
    this.listener = outputs.listener();
  }

  @Override
  public Decision decide(Packet packet, Attachment ingress) {
    // read before judge reads the policy: a swap in between makes the offload check again
    long verdictGeneration = generation.get();
    Judgement j = judgeAndLog(packet, ingress);
    // the one place the offloaded packet's match and cookie are made: record, traps and entries share them
    FlowKey key = j.offloaded() == null ? null : FlowKey.of(packet).orElse(null);
    if (key != null) {
      offloads.record(j.offloaded(), key.cookie());
    }
    listener.decided(packet, ingress, j);
    return switch (j.verdict()) {
      case ACCEPT -> new Decision.Accept(j.install(),
          j.install().isEmpty() ? OffloadGuard.ALWAYS : guard(j.offloaded(), verdictGeneration), key,
          j.trapsTeardown() && key != null);
      case REJECT -> drop(0, j.reject());
      case DROP -> drop(j.dropCacheable() ? dropEntrySeconds : 0, j.reject());
    };
  }

  private static Decision drop(int entrySeconds, byte[] reject) {
    return entrySeconds == 0 && reject == null ? Decision.DROP : new Decision.Drop(entrySeconds, reject);
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

  /** The check between the verdict that offloads {@code entry} (reached under {@code verdictGeneration}) and its entries. */
  private OffloadGuard guard(CtEntry entry, long verdictGeneration) {
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


  /**
   * Judges a datagram several hosts receive once per receiver: each port of {@code candidates} gets
   * it only if every host there accepts it. The hosts at a port are those topology learned there;
   * at a port where it learned none, any policy host it has not located yet may be, so all of those
   * must accept (none left: a host of no rule set, which accepts).
   */
  @Override
  public List<Attachment> receivers(Packet p, Attachment ingress, List<Attachment> candidates) {
    return judgeReceivers(p, ingress, candidates).stream().filter(Receiver::accepted).map(Receiver::port)
        .distinct().toList();
  }

  /** One receiving host behind one port, and what its path's rules said. */
  public record Receiver(Attachment port, String host, Judgement judgement) {
    public boolean accepted() {
      return judgement.accepted();
    }
  }

  /**
   * The judgements behind {@link #receivers}: a port with several hosts appears once per host, and
   * is accepted only if all of them are.
   */
  public List<Receiver> judgeReceivers(Packet p, Attachment ingress, List<Attachment> candidates) {
    Policy policy = policies.current();
    Map<Attachment, Set<String>> atPort = new HashMap<>();
    Set<String> located = new HashSet<>();
    for (Host h : topology.hosts()) {
      Set<String> ids = atPort.computeIfAbsent(h.attachment(), k -> new TreeSet<>(NULLS_FIRST));
      boolean any = false;
      for (IPAddress<?> a : h.addresses()) {
        String id = policy.hostFor(IpAddress.parse(a.toString()));
        if (id != null) {
          located.add(id);
          if ((a instanceof IPv6Address) == (p.ipVersion() == 6)) {
            ids.add(id);
            any = true;
          }
        }
      }
      if (!any) {
        ids.add(null);
      }
    }
    Set<String> unlocated = new TreeSet<>(policy.hosts().keySet());
    unlocated.removeAll(located);
    String src = senderHost(policy, p);
    SwitchPort in = switchPort(ingress);
    PathContext sender = new PathContext(src, null, in, null);
    List<Attachment> ports = new ArrayList<>();
    List<String> hosts = new ArrayList<>();
    List<PathContext> ctxs = new ArrayList<>();
    for (Attachment a : candidates) {
      Set<String> ids = atPort.get(a);
      if (ids == null) {
        ids = unlocated.isEmpty() ? Collections.singleton(null) : unlocated;
      }
      SwitchPort out = switchPort(a);
      for (String id : ids) {
        ports.add(a);
        hosts.add(id);
        ctxs.add(new PathContext(src, id, in, out));
      }
    }
    List<Judgement> js = judge.judgeReceivers(p, sender, ctxs);
    Set<Attachment> refused = new HashSet<>();
    List<Receiver> out = new ArrayList<>(js.size());
    for (int i = 0; i < js.size(); i++) {
      Judgement j = js.get(i);
      log(j);
      listener.decided(p, ingress, j);
      if (!j.accepted()) {
        refused.add(ports.get(i));
      }
      out.add(new Receiver(ports.get(i), hosts.get(i), j));
    }
    // a port is only as open as the strictest host behind it
    return out.stream().map(r -> refused.contains(r.port()) && r.accepted()
        ? new Receiver(r.port(), r.host(), withVerdictOfPort(r.judgement())) : r).toList();
  }

  private static Judgement withVerdictOfPort(Judgement j) {
    return new Judgement(Verdict.DROP, j.state(), j.decidedBy(),
        "another host at the same port refused it", Set.of(), false, null, j.logs(), null);
  }

  private static final Comparator<String> NULLS_FIRST = Comparator.nullsFirst(
      Comparator.naturalOrder());

  @Override
  public boolean deliverable(Packet p, Host macOwner) {
    IPAddress<?> dst = ExactMatch.address(p.dst());
    if (macOwner.addresses().contains(dst) || gatewayOf(macOwner) != null) {
      return true;
    }
    Optional<Host> byAddress = topology.hostByAddress(dst);
    if (byAddress.isPresent()) {
      // the address is another host's, unless it is this MAC's in another view: in a cluster a member's
      // own stale sighting of a host (from a switch it mastered before a rebalance) wins its look-up by
      // MAC, while the address is found in the share of the switch's master now (seen on real OVS:
      // every frame to the FTP server across two masters refused as FOREIGN_MAC)
      return byAddress.get().mac().equals(macOwner.mac());
    }
    // not learned yet: the owner's rule set is the one it judges by anyway
    Policy policy = policies.current();
    String owner = policy.hostFor(p.dst());
    boolean identified = false;
    for (IPAddress<?> a : macOwner.addresses()) {
      if (owner != null && owner.equals(policy.hostFor(IpAddress.parse(a.toString())))) {
        return true;
      }
      identified |= a.getIpVersion() == dst.getIpVersion() && !a.isLinkLocal();
    }
    // a MAC seen so far with no routable address of dst's family (typically an IPv6 neighbour
    // discovery before its first IPv4 packet, right after a controller restart, or in a cluster a sighting
    // from before a rebalance) may well own dst, a policy host's address or not: nobody else holds it;
    // one known by another address of that family is another host, and the frame is not for it
    return !identified;
  }

  @Override
  public boolean allowsEthertype(int etherType) {
    return policies.current().linkLayer().allows(etherType);
  }

  /** The declared gateway address {@code h} answers for, or null when it is no gateway. */
  private IpAddress gatewayOf(Host h) {
    for (IpAddress g : policies.current().linkLayer().gateways()) {
      if (h.addresses().contains(ExactMatch.address(g))) {
        return g;
      }
    }
    return null;
  }

  private String senderHost(Policy policy, Packet p) {
    return policy.hostFor(p.src());
  }

  /**
   * Judges one packet that entered at {@code ingress} and does what the judgement says besides
   * writing to switches: logs, the offload record.
   */
  public Judgement judge(Packet p, Attachment ingress) {
    Judgement j = judgeAndLog(p, ingress);
    if (j.offloaded() != null) {
      FlowKey.of(p).ifPresent(k -> offloads.record(j.offloaded(), k.cookie()));
    }
    return j;
  }

  /** The judgement and its LOG lines. */
  private Judgement judgeAndLog(Packet p, Attachment ingress) {
    Judgement j = judge.judge(p, context(policies.current(), p, ingress));
    log(j);
    return j;
  }

  /** The pure judge, for read-only questions (dry runs, adoption). */
  public Judge judge() {
    return judge;
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
    Optional<Host> to = topology.host(MacAddress.of(p.dstMac()));
    SwitchPort egress = to.map(h -> switchPort(h.attachment())).orElse(null);
    String src = policy.hostFor(p.src());
    String dst = policy.hostFor(p.dst());
    boolean srcRoutes = false;
    boolean dstRoutes = false;
    if (!policy.linkLayer().gateways().isEmpty()) {
      // a packet that only crosses a gateway meets its FORWARD chain, as on the gateway itself
      IpAddress gwIn = topology.host(MacAddress.of(p.srcMac())).map(this::gatewayOf).orElse(null);
      if (gwIn != null && !ownAddress(policy, gwIn, p.src())) {
        src = policy.hostFor(gwIn);
        srcRoutes = true;
      }
      IpAddress gwOut = to.map(this::gatewayOf).orElse(null);
      if (gwOut != null && !ownAddress(policy, gwOut, p.dst())) {
        dst = policy.hostFor(gwOut);
        dstRoutes = true;
      }
    }
    return new PathContext(src, dst, switchPort(ingress), egress, srcRoutes, dstRoutes,
        (source, in, loose) -> livesAt(policy, source, in, loose));
  }

  /**
   * -m rpfilter's view of the network: a source lives where topology learned its address; one it has
   * not learned lives behind the policy's gateways (strict: the packet came in at a gateway's port).
   */
  private boolean livesAt(Policy policy, IpAddress source, SwitchPort in, boolean loose) {
    Attachment at = hostAttachment(source);
    if (at != null) {
      return loose || switchPort(at).equals(in);
    }
    for (IpAddress gw : policy.linkLayer().gateways()) {
      Attachment g = hostAttachment(gw);
      if (g != null && (loose || switchPort(g).equals(in))) {
        return true;
      }
    }
    return false;
  }

  /** Whether {@code a} is gateway {@code gw}'s own address (its own traffic, not routed). */
  private static boolean ownAddress(Policy policy, IpAddress gw, IpAddress a) {
    if (a.equals(gw)) {
      return true;
    }
    String id = policy.hostFor(gw);
    return id != null && id.equals(policy.hostFor(a));
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
