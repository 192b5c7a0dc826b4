package io.statewall.firewall;

import io.statewall.netfilter.conntrack.ConnTracker;
import io.statewall.netfilter.conntrack.CtDirection;
import io.statewall.netfilter.conntrack.CtEntry;
import io.statewall.netfilter.conntrack.CtTuple;
import io.statewall.firewall.forwarding.ExactMatch;
import io.statewall.firewall.forwarding.TeardownTraps;
import io.statewall.firewall.forwarding.FlowProgrammer;
import io.statewall.firewall.forwarding.InstalledConnection;
import io.statewall.firewall.forwarding.InstalledConnections;
import io.statewall.firewall.forwarding.OffloadTable;
import io.statewall.firewall.guard.TableMissMeters;
import io.statewall.netfilter.packet.Family;
import io.statewall.netfilter.packet.IpAddress;
import io.statewall.netfilter.packet.Packet;
import io.statewall.netfilter.policy.Policy;
import io.statewall.netfilter.policy.PolicyHolder;
import io.statewall.controller.app.App;
import io.statewall.controller.app.AppContext;
import io.statewall.controller.app.SwitchListener;
import io.statewall.controller.switches.SwitchHandle;
import io.statewall.controller.switches.SwitchRegistry;
import io.statewall.topology.Attachment;
import io.statewall.topology.Hop;
import io.statewall.topology.OpenFlowPorts;
import io.statewall.topology.Path;
import io.statewall.topology.TopologyService;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.projectfloodlight.openflow.protocol.OFFactory;
import org.projectfloodlight.openflow.protocol.OFFlowStatsEntry;
import org.projectfloodlight.openflow.protocol.OFFlowStatsReply;
import org.projectfloodlight.openflow.protocol.OFMessage;
import org.projectfloodlight.openflow.protocol.OFVersion;
import org.projectfloodlight.openflow.protocol.match.Match;
import org.projectfloodlight.openflow.types.DatapathId;
import org.projectfloodlight.openflow.types.IPAddress;
import org.projectfloodlight.openflow.types.IPv4Address;
import org.projectfloodlight.openflow.types.OFGroup;
import org.projectfloodlight.openflow.types.OFPort;
import org.projectfloodlight.openflow.types.TableId;
import org.projectfloodlight.openflow.types.U64;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Brings a switch's flow table and conntrack back into agreement when the switch becomes ready with
 * its entries kept (the controller's {@code FlowsOnConnect.KEEP}): reads every entry, keeps the
 * table-miss and statewall's entries of tracked connections, deletes everything else, and writes
 * the entries a tracked connection's path still needs at this switch.
 *
 * <p>A switch's first connection since this controller started (until one reconciliation of it has
 * completed) is different: nothing is tracked
 * yet, so the connections its entries carry (left by an earlier controller) are <em>adopted</em>
 * into conntrack as established, when the current policy would have let them open and still lets
 * the switches carry them; any other entry goes. Adoption waits {@code settle} after the switch is
 * ready, so that discovery has found the links that tell edge ports from inter-switch ones (an
 * adopted connection's path is rebuilt from its edge entries).
 *
 * <p>In a cluster ({@link #reconcileWhenMaster}) a switch is reconciled, adopting, each time this
 * controller becomes its confirmed master, not when it connects: a SLAVE must not take the master's
 * connections into its own conntrack (they would be replicated as its own, two owners for one
 * connection). Connections an heir promoted from the previous master's replicas carry their recorded
 * cookie, so they are found and kept, not adopted again.
 *
 * <p>OpenFlow 1.0 switches are cleared by the handshake anyway (no cookie masks): nothing to do.
 */
public final class FlowReconciler implements App, SwitchListener {
  private static final Logger log = LoggerFactory.getLogger(FlowReconciler.class);
  private static final int REPORTS_KEPT = 64;
  /** After topology, which must know the switch (and its ports) before paths through it are rebuilt. */
  static final int ORDER = 200;

  /**
   * What adopting a switch's connections into conntrack takes: the tracker, the policy they must
   * still open under, and how long discovery gets to find the switch's links first.
   */
  public record Adoption(ConnTracker tracker, PolicyHolder policies, Duration settle) {}

  /**
   * What one reconciliation of one switch did.
   *
   * @param adopting whether it was the switch's first connection (entries adopted, not just kept)
   * @param kept entries of tracked (or just adopted) connections left in place
   * @param adopted connections taken into conntrack from the switch's entries
   * @param refused connections found in the switch that the policy would not let open, or would not let
   *     the switches carry (those stay in conntrack, judged packet by packet): their entries deleted
   * @param deleted entries deleted (not ours, untracked, refused, drop entries)
   * @param reinstalled entries written back for tracked connections that had lost them
   * @param micros from the stats request to the writes
   */
  public record Report(DatapathId sw, boolean adopting, int kept, int adopted, int refused, int deleted,
      int reinstalled, long micros) {}

  /** What an adopted connection's entries have told about its ends so far (across switches). */
  private record Ends(ExactMatch original, Attachment src, Attachment dst, Set<CtDirection> directions) {}

  private final TopologyService topology;
  private final ConnTracker tracker;
  private final OffloadTable offloads;
  private final InstalledConnections installed;
  private final FlowProgrammer flows;
  private final Firewall firewall;
  private final PolicyHolder policies;
  private final int priority;
  private ScheduledExecutorService scheduler;
  private volatile SwitchRegistry switches;
  /** Cluster mode: whether this controller is the switch's confirmed master; null on one process. */
  private volatile Predicate<DatapathId> master;
  /** Cookies of connections another cluster member owns (their entries here were written for it). */
  private volatile Predicate<U64> ownedElsewhere = cookie -> false;
  private final Duration settle;
  private final Set<DatapathId> adoptionDone = ConcurrentHashMap.newKeySet();
  private final Map<U64, Ends> ends = new ConcurrentHashMap<>();
  private final Deque<Report> reports = new ArrayDeque<>();

  /** Writes through {@code flows}, the process's flow service, at its entries' priority. */
  public FlowReconciler(TopologyService topology, OffloadTable offloads, FlowProgrammer flows,
      Firewall firewall, Adoption adoption) {
    this.topology = topology;
    this.tracker = adoption.tracker();
    this.offloads = offloads;
    this.installed = offloads.installed();
    this.flows = flows;
    this.firewall = firewall;
    this.policies = adoption.policies();
    this.priority = flows.settings().priority();
    this.settle = adoption.settle();
  }

  @Override
  public String name() {
    return "reconciler";
  }

  @Override
  public void start(AppContext context) {
    scheduler = context.scheduler();
    switches = context.switches();
    context.addSwitchListener(ORDER, this);
  }

  /**
   * Cluster mode: entries whose cookie names a connection another live member owns (it set them up
   * through this switch's master, its path crossing this switch) are kept as they are, neither adopted
   * (two owners of one connection) nor deleted (its owner's path would break).
   */
  public void keepOwnedElsewhere(Predicate<U64> ownedElsewhere) {
    this.ownedElsewhere = java.util.Objects.requireNonNull(ownedElsewhere);
  }

  /**
   * Cluster mode, set before start: switches are reconciled (adopting) only through {@link #mastered},
   * when this controller becomes their confirmed master, and only while {@code master} still says so.
   */
  public void reconcileWhenMaster(Predicate<DatapathId> master) {
    this.master = Objects.requireNonNull(master, "master");
  }

  /**
   * Cluster mode: the switch confirmed this controller master. After the settle delay (discovery finds
   * its links first), if still master and connected, its table is read: entries of connections this
   * controller tracks (its own, and those it promoted from the previous master's replicas, by their
   * recorded cookie) are kept, the rest adopted as on a first connection, or deleted.
   */
  public void mastered(DatapathId dpid) {
    Predicate<DatapathId> m = master;
    if (m == null) {
      return;
    }
    scheduler.schedule(() -> {
      if (!m.test(dpid)) {
        return; // demoted meanwhile: the new master reconciles it
      }
      SwitchRegistry registry = switches;
      Optional<SwitchHandle> sw = registry == null ? Optional.empty() : registry.get(dpid);
      sw.filter(s -> s.isReady() && s.version() != OFVersion.OF_10).ifPresent(s -> reconcile(s, true));
    }, settle.toMillis(), TimeUnit.MILLISECONDS);
  }

  @Override
  public void switchReady(SwitchHandle sw) {
    if (sw.version() == OFVersion.OF_10 || master != null) {
      return; // in a cluster: when this controller becomes its master (mastered)
    }
    if (adoptionDone.contains(sw.id())) {
      reconcile(sw, false);
    } else {
      // until one adoption has read this switch, a reconnect adopts too: a switch that flaps within
      // the settle delay must not lose the connections no one has looked at yet
      scheduler.schedule(() -> reconcile(sw, true).thenRun(() -> adoptionDone.add(sw.id())),
          settle.toMillis(), TimeUnit.MILLISECONDS);
    }
  }

  /** Reads {@code sw}'s whole flow table and reconciles it; completes with what was done. */
  public CompletableFuture<Report> reconcile(SwitchHandle sw, boolean adopting) {
    if (!sw.isConnected()) {
      return CompletableFuture.failedFuture(new IllegalStateException("switch " + sw.id() + " is gone"));
    }
    long start = System.nanoTime();
    OFFactory f = sw.factory();
    return sw.requestStats(f.buildFlowStatsRequest().setTableId(TableId.ALL).setOutPort(OFPort.ANY)
            .setOutGroup(OFGroup.ANY).setCookie(U64.ZERO).setCookieMask(U64.ZERO).build())
        .thenApply(replies -> {
          List<OFFlowStatsEntry> table = new ArrayList<>();
          for (OFFlowStatsReply r : replies) {
            table.addAll(r.getEntries());
          }
          return apply(sw, table, adopting, start);
        })
        .whenComplete((report, error) -> {
          if (error != null) {
            log.warn("switch {}: flow table not reconciled: {}", sw.id(), error.toString());
          }
        });
  }

  /**
   * Reconciles {@code sw} against the entries {@code table} it reported (one switch at a time: adoption
   * spans switches); public for tests and benchmarks that bring their own table.
   */
  public synchronized Report apply(SwitchHandle sw, List<OFFlowStatsEntry> table, boolean adopting,
      long startNanos) {
    OFFactory f = sw.factory();
    List<OFMessage> out = new ArrayList<>();
    Map<U64, List<SwitchEntry>> ours = new LinkedHashMap<>();
    int deleted = 0;
    for (OFFlowStatsEntry s : table) {
      if (SwitchEntry.isTableMiss(s) || TableMissMeters.isOurs(s.getCookie())) {
        continue; // the table-miss entries, plain or metered per port: the meters keep them up to date
      }
      Optional<SwitchEntry> e = SwitchEntry.of(s, priority);
      if (e.isEmpty()) {
        out.add(deleteStrict(f, s));
        deleted++;
      } else {
        ours.computeIfAbsent(s.getCookie(), k -> new ArrayList<>()).add(e.get());
      }
    }
    record Key(OFPort in, ExactMatch m) {}
    Set<Key> present = new HashSet<>();
    int kept = 0;
    int adopted = 0;
    int refused = 0;
    Policy policy = policies.current();
    for (Map.Entry<U64, List<SwitchEntry>> group : ours.entrySet()) {
      U64 cookie = group.getKey();
      List<SwitchEntry> entries = group.getValue();
      CtEntry ct = offloads.entry(cookie).filter(e -> belongs(e, entries)).orElse(null);
      if (ct == null && ownedElsewhere.test(cookie)) {
        kept += entries.size(); // another member's connection: its owner keeps them up to date
        continue;
      }
      if (ct != null && adopting && ends.containsKey(cookie)) {
        noteEnds(sw, cookie, ct, entries); // adopted at another switch of its path: this one knows the other end
      }
      if (ct == null && adopting) {
        ct = adopt(sw, policy, cookie, entries);
        if (ct != null) {
          adopted++;
        } else if (entries.stream().anyMatch(e -> e.output() != null && !e.trap())) {
          refused++;
        }
      }
      for (SwitchEntry e : entries) {
        // a drop entry caches a refused opening, which this controller's policy must judge again
        if (ct == null || (e.output() == null && !e.trap())) {
          out.add(deleteStrict(f, e.stats()));
          deleted++;
        } else {
          kept++;
          if (!e.trap()) {
            present.add(new Key(e.inPort(), e.match()));
          }
        }
      }
    }
    int reinstalled = 0;
    for (InstalledConnection c : installed.all()) {
      // most connections never cross this switch: a look at the hops first, before the table's
      if (!crosses(c.path(), sw.id()) || offloads.entry(c.cookie()).isEmpty()) {
        continue;
      }
      List<Map.Entry<Path, ExactMatch>> directions = new ArrayList<>(2);
      if (c.directions().contains(CtDirection.ORIGINAL)) {
        directions.add(Map.entry(c.path(), c.original()));
      }
      if (c.directions().contains(CtDirection.REPLY)) {
        c.original().reverse().ifPresent(r -> directions.add(Map.entry(c.path().reversed(), r)));
      }
      for (Map.Entry<Path, ExactMatch> d : directions) {
        List<Hop> hops = d.getKey().hops();
        for (var hop : hops) {
          if (hop.sw().equals(sw.id()) && !present.contains(new Key(hop.in(), d.getValue()))) {
            // where the direction enters, the entry leaves FIN, SYN and RST to the trap
            Optional<Match> m = TeardownTraps.entryMatch(f, hop.in(), d.getValue(), hop == hops.get(0));
            if (m.isPresent()) {
              out.add(flows.flowAdd(f, hop, m.get(), c.cookie()));
              reinstalled++;
            }
          }
        }
      }
    }
    ends.keySet().removeIf(c -> offloads.entry(c).isEmpty());
    flows.write(sw, FlowProgrammer.Purpose.RECONCILE, out);
    Report r = new Report(sw.id(), adopting, kept, adopted, refused, deleted, reinstalled,
        (System.nanoTime() - startNanos) / 1_000);
    synchronized (reports) {
      if (reports.size() == REPORTS_KEPT) {
        reports.removeFirst();
      }
      reports.addLast(r);
    }
    log.info("switch {}: flow table reconciled{}: {} kept, {} adopted, {} refused, {} deleted, {} reinstalled, "
        + "{} ms", sw.id(), adopting ? " (first connection: adopting)" : "", kept, adopted, refused, deleted,
        reinstalled, String.format("%.1f", r.micros() / 1000.0));
    return r;
  }

  private static boolean crosses(Path path, DatapathId sw) {
    for (Hop hop : path.hops()) {
      if (hop.sw().equals(sw)) {
        return true;
      }
    }
    return false;
  }

  /** The latest reconciliations, oldest first (at most 64). */
  public List<Report> reports() {
    synchronized (reports) {
      return List.copyOf(reports);
    }
  }

  /**
   * Takes in the connection {@code entries} carry, or returns null. Its ORIGINAL direction is the
   * one the policy would let open; when both would, the one towards the lower port (the server's).
   * Only TCP and UDP: an ICMP entry does not match the query's identifier, so its tuple is unknown.
   */
  private CtEntry adopt(SwitchHandle sw, Policy policy, U64 cookie, List<SwitchEntry> entries) {
    SwitchEntry any = entries.stream().filter(e -> e.output() != null && !e.trap()).findFirst().orElse(null);
    if (any == null) {
      return null;
    }
    ExactMatch m = any.match();
    if (m.ipProto() != Packet.PROTO_TCP && m.ipProto() != Packet.PROTO_UDP) {
      return null;
    }
    CtTuple a = tuple(m);
    CtTuple b = CtTuple.ports(a.dst(), a.src(), a.protocol(), a.dstPort(), a.srcPort());
    boolean opensA = firewall.opens(policy, a);
    boolean opensB = firewall.opens(policy, b);
    CtTuple original = opensA && opensB ? (a.dstPort() <= b.dstPort() ? a : b) : opensA ? a : opensB ? b : null;
    if (original == null) {
      log.info("switch {}: not adopting {}: the policy would not let it open", sw.id(), a);
      return null;
    }
    Optional<CtEntry> e = tracker.adopt(original);
    if (e.isEmpty()) {
      log.warn("switch {}: not adopting {}: conntrack is full", sw.id(), original);
      return null;
    }
    if (!firewall.stillCarried(policy, e.get())) {
      // it may open, so conntrack keeps it; but its packets must be judged one by one (a LOG rule, a
      // per-packet match, an established packet the rules drop): its entries go
      log.info("switch {}: {} tracked but not carried: the policy judges its packets at the controller",
          sw.id(), original);
      return null;
    }
    tracker.markOffloaded(e.get());
    offloads.record(e.get(), cookie);
    noteEnds(sw, cookie, e.get(), entries);
    return e.get();
  }

  /**
   * Learns where the adopted connection enters and leaves the network from the entries at edge
   * ports, and registers it with its path once both ends are known (possibly from two switches).
   */
  private void noteEnds(SwitchHandle sw, U64 cookie, CtEntry ct, List<SwitchEntry> entries) {
    CtTuple orig = ct.tuple(CtDirection.ORIGINAL);
    Ends now = ends.getOrDefault(cookie, new Ends(null, null, null, Set.of()));
    for (SwitchEntry e : entries) {
      if (e.output() == null || e.trap()) {
        continue;
      }
      boolean forward = tuple(e.match()).equals(orig);
      Attachment in = edge(sw.id(), e.inPort());
      Attachment outAt = edge(sw.id(), e.output());
      Set<CtDirection> dirs = EnumSet.noneOf(CtDirection.class);
      dirs.addAll(now.directions());
      dirs.add(forward ? CtDirection.ORIGINAL : CtDirection.REPLY);
      ExactMatch original = forward ? e.match() : e.match().reverse().orElse(null);
      Attachment src = now.src();
      Attachment dst = now.dst();
      if (forward) {
        src = in != null ? in : src;
        dst = outAt != null ? outAt : dst;
      } else {
        dst = in != null ? in : dst;
        src = outAt != null ? outAt : src;
      }
      now = new Ends(now.original() != null ? now.original() : original, src, dst, Set.copyOf(dirs));
    }
    if (now.src() != null && now.dst() != null && now.original() != null) {
      Optional<Path> path = topology.path(now.src(), now.dst());
      if (path.isPresent()) {
        installed.record(new InstalledConnection(cookie, now.original(), now.src(), now.dst(), now.directions(),
            path.get()));
        ends.remove(cookie);
        return;
      }
    }
    ends.put(cookie, now);
  }

  private Attachment edge(DatapathId sw, OFPort port) {
    if (port == null || !OpenFlowPorts.isPhysical(port)) {
      return null;
    }
    Attachment at = new Attachment(sw, port);
    return topology.isInterSwitchPort(at) ? null : at;
  }

  /** Whether the entries are of {@code e} (the same endpoints either way), not a cookie look-alike. */
  private static boolean belongs(CtEntry e, List<SwitchEntry> entries) {
    CtTuple o = e.tuple(CtDirection.ORIGINAL);
    CtTuple r = e.tuple(CtDirection.REPLY);
    for (SwitchEntry s : entries) {
      ExactMatch m = s.match();
      if (m.ipProto() != o.protocol()) {
        return false;
      }
      CtTuple t = tuple(m);
      boolean same = e.protocol() == Packet.PROTO_TCP || e.protocol() == Packet.PROTO_UDP
          ? t.equals(o) || t.equals(r)
          : t.src().equals(o.src()) && t.dst().equals(o.dst()) || t.src().equals(r.src()) && t.dst().equals(r.dst());
      if (!same) {
        return false;
      }
    }
    return true;
  }

  private static CtTuple tuple(ExactMatch m) {
    return CtTuple.ports(address(m.src()), address(m.dst()), m.ipProto(), m.srcPort(), m.dstPort());
  }

  private static IpAddress address(IPAddress<?> a) {
    return a instanceof IPv4Address v4 ? IpAddress.v4(v4.getInt()) : IpAddress.of(a.getBytes(), 0, Family.IPV6);
  }

  private static OFMessage deleteStrict(OFFactory f, OFFlowStatsEntry s) {
    return f.buildFlowDeleteStrict().setTableId(s.getTableId()).setMatch(s.getMatch()).setPriority(s.getPriority())
        .setCookie(s.getCookie()).setCookieMask(U64.NO_MASK).setOutPort(OFPort.ANY).setOutGroup(OFGroup.ANY)
        .build();
  }
}
