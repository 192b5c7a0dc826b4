package io.statewall.topology;

import io.statewall.controller.app.ListenerResult;
import io.statewall.controller.app.MessageListener;
import io.statewall.controller.app.SwitchListener;
import io.statewall.controller.switches.SwitchHandle;
import io.statewall.topology.TopologyEvent.SwitchDown;
import io.statewall.topology.TopologyEvent.SwitchUp;
import io.statewall.topology.discovery.LinkDiscovery;
import io.statewall.topology.discovery.LldpCodec;
import io.statewall.topology.discovery.LldpProbe;
import io.statewall.topology.hosts.HostTracker;
import io.statewall.topology.hosts.Sighting;
import io.statewall.topology.paths.PathFinder;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import io.statewall.topology.share.TopologyShare;
import org.projectfloodlight.openflow.protocol.OFPacketIn;
import org.projectfloodlight.openflow.protocol.OFPortDesc;
import org.projectfloodlight.openflow.protocol.OFPortReason;
import org.projectfloodlight.openflow.protocol.OFPortStatus;
import org.projectfloodlight.openflow.types.DatapathId;
import org.projectfloodlight.openflow.types.IPAddress;
import org.projectfloodlight.openflow.types.MacAddress;
import org.projectfloodlight.openflow.types.OFPort;

/**
 * The network's state: switches and their up ports, links (from discovery), hosts (from the
 * tracker), paths and the broadcast tree. Switch and packet-in events come in; topology events go
 * out to listeners after the state they describe is in place.
 *
 * <p>In a cluster each member learns only from the switches it masters (they send it their
 * packet-ins): what it learned is its {@link #localShare()}, which it sends the others; what they
 * learned comes in through {@link #merge} and joins its own in every output (links, hosts, paths,
 * flooding). A link whose two ends have different masters is up once each has seen its half. A peer's
 * half-link or host counts only where it names up ports of switches connected here.
 *
 * <p>Thread-safe: changes are serialised by one lock; reads use immutable snapshots.
 */
public final class TopologyManager
    implements TopologyService, SwitchListener, MessageListener<OFPacketIn> {

  private final Clock clock;
  private final LinkDiscovery discovery;
  private final HostTracker hosts;
  /**
   * The hosts this member saw at switches it has since handed over to another member: it gets no more
   * packet-ins from them, so these sightings only age. They count last, after its own and the peers'
   * (the new master's share soon has each host as it is now), and are not shared: two members that each
   * handed the same switch over would otherwise each share its hosts while the other did not, without end.
   */
  private final HostTracker handed;
  private final PathFinder paths;
  private final EventDispatcher events = new EventDispatcher();
  private final Object lock = new Object();
  /** Up physical ports of each ready switch; guarded by {@code lock}. */
  private final Map<DatapathId, Set<OFPort>> upPorts = new HashMap<>();
  /** The ready switches' handles, for a probe asked for out of the timer's round ({@link #probe}). */
  private final Map<DatapathId, SwitchHandle> handles = new HashMap<>();
  private volatile Map<DatapathId, Set<OFPort>> broadcast = Map.of();
  private volatile Set<Link> links = Set.of();
  private volatile Set<Attachment> interSwitch = Set.of();
  /** When each up port was first probed (its switch ready, or it came up); guarded by {@code lock}. */
  private final Map<Attachment, Long> probedSince = new HashMap<>();
  /** Up ports facing no known switch, in switch and port order, with when they were first probed. */
  private volatile List<EdgePort> edges = List.of();

  private record EdgePort(Attachment at, long probedSince) {}

  /** What the other members learned from their switches, by member; guarded by {@code lock}. */
  private final Map<String, TopologyShare> remote = new TreeMap<>();
  /** The others' hosts where they count (their ports up here, not links), first member by id first. */
  private volatile Map<MacAddress, Host> remoteHosts = Map.of();
  private volatile Map<IPAddress<?>, MacAddress> remoteAddresses = Map.of();
  /** Half-links this member saw itself, at the last recompute; guarded by {@code lock}. */
  private Set<HalfLink> localHalves = Set.of();
  /** The others' half-links that count, at the last recompute; guarded by {@code lock}. */
  private Set<HalfLink> remoteHalves = Set.of();
  /** When a probe arriving at each port was last answered; guarded by {@code lock}. */
  private final Map<Attachment, Long> answered = new HashMap<>();

  public TopologyManager(Clock clock, LinkDiscovery discovery, HostTracker hosts, PathFinder paths) {
    this.clock = clock;
    this.discovery = discovery;
    this.hosts = hosts;
    this.handed = hosts.emptyLike();
    this.paths = paths;
  }

  // ---- inputs: switches ----

  @Override
  public void switchReady(SwitchHandle sw) {
    synchronized (lock) {
      Set<OFPort> up = new HashSet<>();
      for (OFPortDesc p : sw.ports()) {
        if (OpenFlowPorts.isPhysical(p.getPortNo()) && OpenFlowPorts.isUp(p)) {
          up.add(p.getPortNo());
        }
      }
      upPorts.put(sw.id(), up);
      handles.put(sw.id(), sw);
      long now = clock.millis();
      for (OFPort p : up) {
        probedSince.put(new Attachment(sw.id(), p), now);
      }
      List<TopologyEvent> out = new ArrayList<>(List.of(new SwitchUp(sw.id())));
      // a peer's half-links and hosts at this switch count from now on
      out.addAll(recompute(List.of()));
      events.enqueue(out);
    }
    events.drain();
    // probe at once rather than waiting a whole interval for the first links
    sw.write(discovery.probes(sw, clock.millis()));
  }

  @Override
  public void switchDisconnected(SwitchHandle sw) {
    synchronized (lock) {
      if (upPorts.remove(sw.id()) == null) {
        return;
      }
      handles.remove(sw.id());
      probedSince.keySet().removeIf(a -> a.sw().equals(sw.id()));
      answered.keySet().removeIf(a -> a.sw().equals(sw.id()));
      List<TopologyEvent> found = new ArrayList<>(discovery.switchDown(sw.id()));
      found.addAll(hosts.forgetSwitch(sw.id()));
      handed.forgetSwitch(sw.id());
      List<TopologyEvent> out = recompute(found);
      out.add(new SwitchDown(sw.id()));
      events.enqueue(out);
    }
    events.drain();
  }

  @Override
  public void portChanged(SwitchHandle sw, OFPortStatus status) {
    OFPortDesc desc = status.getDesc();
    OFPort port = desc.getPortNo();
    if (!OpenFlowPorts.isPhysical(port)) {
      return;
    }
    Attachment at = new Attachment(sw.id(), port);
    boolean up = status.getReason() != OFPortReason.DELETE && OpenFlowPorts.isUp(desc);
    synchronized (lock) {
      Set<OFPort> ports = upPorts.get(sw.id());
      if (ports == null) {
        return; // not ready yet: switchReady reads the ports
      }
      List<TopologyEvent> found = new ArrayList<>();
      if (up) {
        if (ports.add(port)) {
          probedSince.put(at, clock.millis());
        }
      } else {
        ports.remove(port);
        probedSince.remove(at);
        answered.remove(at);
        found.addAll(discovery.portDown(at));
        found.addAll(hosts.forgetPort(at));
        handed.forgetPort(at);
      }
      events.enqueue(recompute(found));
    }
    events.drain();
    if (up) {
      sw.write(discovery.probe(sw, desc, clock.millis()));
    }
  }

  // ---- inputs: packet-ins and the timer ----

  /** LLDP goes to discovery and stops there; anything else teaches hosts and continues. */
  @Override
  public ListenerResult receive(SwitchHandle sw, OFPacketIn pi) {
    byte[] frame = pi.getData();
    Attachment at = new Attachment(sw.id(), OpenFlowPorts.inPort(pi));
    if (LldpCodec.isLldp(frame)) {
      boolean probeBack;
      synchronized (lock) {
        long now = clock.millis();
        LinkDiscovery.Result r = discovery.received(at, frame, now, this::isUpPort);
        events.enqueue(recomputeIfChanged(r.events()));
        probeBack = r.verdict() == LldpProbe.Verdict.OK && lacksReverseHalf(at) && answerDue(at, now);
      }
      events.drain();
      if (probeBack) {
        // answer a genuine probe at once: the link is up one round trip later, not a whole
        // probe interval (5 s) after a switch joins; the answer finds its half and ends there
        sw.port(at.port()).ifPresent(desc -> sw.write(discovery.probe(sw, desc, clock.millis())));
      }
      return ListenerResult.STOP;
    }
    Optional<Sighting> seen = Sighting.of(at, frame);
    long now = clock.millis();
    if (seen.isPresent() && !hosts.isCurrent(seen.get(), now)) {
      synchronized (lock) {
        if (upPorts.containsKey(at.sw()) && !isInterSwitch(at)
            && (settled(at, now) || !knownElsewhere(seen.get()))) {
          events.enqueue(hosts.learn(seen.get(), now));
        }
      }
      events.drain();
    }
    return ListenerResult.CONTINUE;
  }

  /**
   * Probes every port of switch {@code id} now, if it is ready: a cluster member that has just become its
   * master (its probes were held back while it was SLAVE) learns its links one round trip later rather
   * than at the next round of the timer.
   */
  public void probe(DatapathId id) {
    SwitchHandle sw;
    synchronized (lock) {
      sw = handles.get(id);
    }
    if (sw != null && sw.isConnected()) {
      sw.write(discovery.probes(sw, clock.millis()));
    }
  }

  /**
   * This member handed switch {@code id} over to another member (in a cluster): its own sightings there
   * stop being refreshed, so they stop counting before the peers'. Seen on real Open vSwitch: a member that
   * mastered the far switch for two seconds before a rebalance kept the FTP server's MAC as it had seen it
   * then (IPv6 neighbour discovery only, no IPv4 address), preferred that to the new master's sighting,
   * and refused every frame to the server as FOREIGN_MAC.
   */
  public void handedOver(DatapathId id) {
    synchronized (lock) {
      hosts.moveSwitch(id, handed);
      events.enqueue(recompute(List.of()));
    }
    events.drain();
  }

  /** This member is master of switch {@code id} (again): what it saw there before counts as its own again. */
  public void mastered(DatapathId id) {
    synchronized (lock) {
      handed.moveSwitch(id, hosts);
    }
  }

  /** Probes every port of {@code switches}, expires silent links and aged hosts; the app's timer calls it. */
  public void probeAndExpire(Collection<SwitchHandle> switches) {
    long now = clock.millis();
    synchronized (lock) {
      List<TopologyEvent> out = recomputeIfChanged(discovery.expire(now));
      out.addAll(hosts.expire(now));
      handed.expire(now);
      events.enqueue(out);
    }
    events.drain();
    for (SwitchHandle sw : switches) {
      if (sw.isConnected()) {
        sw.write(discovery.probes(sw, now));
      }
    }
  }

  // ---- outputs ----

  @Override
  public Set<DatapathId> switches() {
    return broadcast.keySet();
  }

  @Override
  public Set<Link> links() {
    return links;
  }

  /** Its own hosts, the others' where this member has none of that MAC, then those of switches it handed over. */
  @Override
  public Collection<Host> hosts() {
    Collection<Host> mine = hosts.hosts();
    Map<MacAddress, Host> theirs = remoteHosts;
    Collection<Host> before = handed.hosts();
    if (theirs.isEmpty() && before.isEmpty()) {
      return mine;
    }
    List<Host> all = new ArrayList<>(mine);
    for (Host h : theirs.values()) {
      if (hosts.byMac(h.mac()).isEmpty()) {
        all.add(h);
      }
    }
    for (Host h : before) {
      if (hosts.byMac(h.mac()).isEmpty() && !theirs.containsKey(h.mac())) {
        all.add(h);
      }
    }
    return all;
  }

  @Override
  public Optional<Host> host(MacAddress mac) {
    Optional<Host> mine = hosts.byMac(mac);
    if (mine.isPresent()) {
      return mine;
    }
    Host theirs = remoteHosts.get(mac);
    return theirs != null ? Optional.of(theirs) : handed.byMac(mac);
  }

  /**
   * Its own owner of the address first: a host seen here keeps its address against a peer's claim. A peer's
   * claim for a MAC this member sees too names that host as {@link #host} has it (the peer saw it use the
   * address); then the hosts of switches it handed over.
   */
  @Override
  public Optional<Host> hostByAddress(IPAddress<?> address) {
    Optional<Host> mine = hosts.byAddress(address);
    if (mine.isPresent()) {
      return mine;
    }
    MacAddress mac = remoteAddresses.get(address);
    if (mac == null) {
      return handed.byAddress(address).filter(h -> hosts.byMac(h.mac()).isEmpty());
    }
    mine = hosts.byMac(mac);
    return mine.isPresent() ? mine : Optional.ofNullable(remoteHosts.get(mac));
  }

  @Override
  public Optional<Path> path(Attachment src, Attachment dst) {
    return paths.path(src, dst);
  }

  @Override
  public Set<OFPort> broadcastPorts(DatapathId sw) {
    return broadcast.getOrDefault(sw, Set.of());
  }

  @Override
  public List<Attachment> settledEdgePorts(Attachment except) {
    long settledBy = clock.millis() - discovery.settings().edgeSettle().toMillis();
    List<EdgePort> all = edges;
    List<Attachment> out = new ArrayList<>(all.size());
    for (EdgePort e : all) {
      if (e.probedSince() <= settledBy && !e.at().equals(except)) {
        out.add(e.at());
      }
    }
    return out;
  }

  @Override
  public boolean isInterSwitchPort(Attachment port) {
    return interSwitch.contains(port);
  }

  @Override
  public void addListener(TopologyListener listener) {
    events.addListener(listener);
  }

  // ---- the cluster: what this member learned, and what the others did ----

  /**
   * What this member learned from its own switches (the ones that send it packet-ins): the half-links
   * whose probes arrived at them, and the hosts it saw at their edge ports. What it sends the others.
   * A host seen at a reserved port is left out: a frame from the switch's own interface (LOCAL: Open
   * vSwitch's bridge port, which sends IPv6 neighbour discovery as it comes up) teaches a host there, and
   * a share is refused whole by its receivers for an attachment that is no physical port
   * ({@code TopologyShareCodec}), so one such host kept every other from the rest of the cluster.
   */
  public TopologyShare localShare() {
    synchronized (lock) {
      Set<Host> shared = new HashSet<>();
      for (Host h : hosts.hosts()) {
        if (OpenFlowPorts.isPhysical(h.attachment().port())) {
          shared.add(h);
        }
      }
      return new TopologyShare(discovery.halves(), shared);
    }
  }

  /**
   * Takes {@code share} as everything member {@code member} learned from its switches, replacing what
   * it sent before; links, hosts and paths change (and their events go out) as if learned here.
   */
  public void merge(String member, TopologyShare share) {
    synchronized (lock) {
      if (share.equals(remote.get(member))) {
        return;
      }
      if (share.halves().isEmpty() && share.hosts().isEmpty()) {
        remote.remove(member);
      } else {
        remote.put(member, share);
      }
      events.enqueue(recompute(List.of()));
    }
    events.drain();
  }

  /** Forgets what {@code member} sent (it left the cluster). */
  public void forget(String member) {
    merge(member, TopologyShare.EMPTY);
  }

  /** The members whose shares are merged here now. */
  public Set<String> merged() {
    synchronized (lock) {
      return Set.copyOf(remote.keySet());
    }
  }

  // ---- internals ----

  /** A genuine probe arrived at {@code here}: whether no half back to its sender is known here or from a peer. */
  private boolean lacksReverseHalf(Attachment here) {
    if (!discovery.lacksReverseHalf(here)) {
      return false;
    }
    Optional<Attachment> from = discovery.sender(here);
    return from.isEmpty() || !remoteHalves.contains(new HalfLink(here, from.get()));
  }

  /**
   * Answers a probe at a port at most once a probe interval: two members that each see only one half
   * of a link (their shares not merged yet) would otherwise answer each other's answers without end.
   */
  private boolean answerDue(Attachment here, long now) {
    Long last = answered.get(here);
    if (last != null && now - last < discovery.settings().probeInterval().toMillis()) {
      return false;
    }
    answered.put(here, now);
    return true;
  }

  private boolean isInterSwitch(Attachment at) {
    return discovery.isInterSwitchPort(at) || interSwitch.contains(at);
  }

  /**
   * Recomputes if discovery's links or half-links changed (a lone half-link came or went); returns the
   * events, as {@link #recompute} does. Called with {@code lock} held.
   */
  private List<TopologyEvent> recomputeIfChanged(List<TopologyEvent> found) {
    if (!found.isEmpty() || !discovery.halves().equals(localHalves)) {
      return recompute(found);
    }
    return new ArrayList<>();
  }

  /**
   * Rebuilds links, paths and flood ports from discovery's state and the peers'; called with {@code lock}
   * held. Returns the events to send: {@code found} (what discovery and the host tracker reported) with
   * its link events replaced by the changes of the merged link set, the hosts forgotten at ports that
   * turned out to face a switch, and the peers' hosts that came, moved or went.
   */
  private List<TopologyEvent> recompute(List<TopologyEvent> found) {
    Set<Link> before = links;
    Set<Attachment> interBefore = interSwitch;
    Map<MacAddress, Host> hostsBefore = remoteHosts;
    localHalves = discovery.halves();
    Set<HalfLink> theirs = new HashSet<>();
    for (TopologyShare share : remote.values()) {
      for (HalfLink h : share.halves()) {
        if (isUpPort(h.from()) && isUpPort(h.to())) {
          theirs.add(h);
        }
      }
    }
    remoteHalves = Set.copyOf(theirs);
    Set<HalfLink> all = new HashSet<>(localHalves);
    all.addAll(theirs);
    Set<Link> merged = new HashSet<>(discovery.links());
    Set<Attachment> inter = new HashSet<>(discovery.interSwitchPorts());
    for (HalfLink h : all) {
      if (all.contains(h.reversed())) {
        merged.add(Link.between(h.from(), h.to()));
      }
      inter.add(h.from());
      inter.add(h.to());
    }
    Set<Link> now = Set.copyOf(merged);
    links = now;
    interSwitch = Set.copyOf(inter);

    List<TopologyEvent> out = new ArrayList<>();
    Map<Link, TopologyEvent.Reason> reasons = new HashMap<>();
    for (TopologyEvent e : found) {
      if (e instanceof TopologyEvent.LinkDown d) {
        reasons.put(d.link(), d.reason());
      }
    }
    for (Link l : before) {
      if (!now.contains(l)) {
        out.add(new TopologyEvent.LinkDown(l, reasons.getOrDefault(l, reasonGone(l))));
      }
    }
    for (Link l : now) {
      if (!before.contains(l)) {
        out.add(new TopologyEvent.LinkUp(l));
      }
    }
    for (TopologyEvent e : found) {
      if (!(e instanceof TopologyEvent.LinkUp) && !(e instanceof TopologyEvent.LinkDown)) {
        out.add(e);
      }
    }
    // hosts seen at a port before discovery reached it were other switches' floods: at both ends of a
    // new link (an LLDP arriving here, or a peer's half-link, can make the sending port a link end too)
    for (Attachment end : interSwitch) {
      if (!interBefore.contains(end)) {
        out.addAll(hosts.forgetPort(end));
        handed.forgetPort(end);
      }
    }
    Map<MacAddress, Host> theirHosts = new HashMap<>();
    Map<IPAddress<?>, MacAddress> theirAddresses = new HashMap<>();
    for (TopologyShare share : remote.values()) { // by member id: the first member's claim wins
      for (Host h : share.hosts()) {
        if (isUpPort(h.attachment()) && !interSwitch.contains(h.attachment()) && !theirHosts.containsKey(h.mac())) {
          theirHosts.put(h.mac(), h);
          h.addresses().forEach(a -> theirAddresses.putIfAbsent(a, h.mac()));
        }
      }
    }
    remoteHosts = Map.copyOf(theirHosts);
    remoteAddresses = Map.copyOf(theirAddresses);
    for (Host h : theirHosts.values()) {
      Host was = hostsBefore.get(h.mac());
      if (hosts.byMac(h.mac()).isPresent()) {
        continue; // shadowed by this member's own: its events are the tracker's
      }
      if (was == null || !was.addresses().equals(h.addresses()) && was.attachment().equals(h.attachment())) {
        out.add(new TopologyEvent.HostLearned(h));
      } else if (!was.attachment().equals(h.attachment())) {
        out.add(new TopologyEvent.HostMoved(h, was.attachment()));
      }
    }
    for (Host was : hostsBefore.values()) {
      if (!theirHosts.containsKey(was.mac()) && hosts.byMac(was.mac()).isEmpty()) {
        out.add(new TopologyEvent.HostRemoved(was));
      }
    }
    rebuildPathsAndFlooding(now);
    return out;
  }

  /** Why a link left the merged view when discovery here did not say: a port or switch gone, else a peer's half. */
  private TopologyEvent.Reason reasonGone(Link l) {
    for (Attachment end : List.of(l.a(), l.b())) {
      if (!upPorts.containsKey(end.sw())) {
        return TopologyEvent.Reason.SWITCH_DOWN;
      }
      if (!isUpPort(end)) {
        return TopologyEvent.Reason.PORT_DOWN;
      }
    }
    return TopologyEvent.Reason.TIMEOUT;
  }

  /** Paths, flood ports and edge ports from {@code now} and the up ports; called with {@code lock} held. */
  private void rebuildPathsAndFlooding(Set<Link> now) {
    paths.update(upPorts.keySet(), now);
    Set<Link> tree = paths.treeLinks();
    Map<DatapathId, Set<OFPort>> flood = new HashMap<>();
    for (Map.Entry<DatapathId, Set<OFPort>> e : upPorts.entrySet()) {
      Set<OFPort> allowed = new HashSet<>();
      for (OFPort p : e.getValue()) {
        if (!interSwitch.contains(new Attachment(e.getKey(), p))) {
          allowed.add(p); // an edge port: hosts may sit there
        }
      }
      flood.put(e.getKey(), allowed);
    }
    for (Link l : tree) {
      for (Attachment end : List.of(l.a(), l.b())) {
        Set<OFPort> allowed = flood.get(end.sw());
        if (allowed != null && upPorts.get(end.sw()).contains(end.port())) {
          allowed.add(end.port());
        }
      }
    }
    Map<DatapathId, Set<OFPort>> frozen = new HashMap<>();
    flood.forEach((k, v) -> frozen.put(k, Set.copyOf(v)));
    broadcast = Map.copyOf(frozen);
    List<EdgePort> edgeList = new ArrayList<>();
    for (Map.Entry<Attachment, Long> e : probedSince.entrySet()) {
      if (!interSwitch.contains(e.getKey())) {
        edgeList.add(new EdgePort(e.getKey(), e.getValue()));
      }
    }
    edgeList.sort(Comparator.<EdgePort, DatapathId>comparing(e -> e.at().sw(),
        (x, y) -> Long.compareUnsigned(x.getLong(), y.getLong()))
        .thenComparingInt(e -> e.at().port().getPortNumber()));
    edges = List.copyOf(edgeList);
  }

  /**
   * Whether discovery has had its round at {@code at}: before, a frame there may be a flood that
   * another switch sent out of a port discovery had not classified yet. Called with {@code lock} held.
   */
  private boolean settled(Attachment at, long now) {
    Long since = probedSince.get(at);
    return since != null && now - since >= discovery.settings().edgeSettle().toMillis();
  }

  /** Whether the sighting's MAC is a host known at another port (seen here, it would move). */
  private boolean knownElsewhere(Sighting s) {
    return host(s.mac()).map(h -> !h.attachment().equals(s.at())).orElse(false);
  }

  private boolean isUpPort(Attachment a) {
    Set<OFPort> ports = upPorts.get(a.sw());
    return ports != null && ports.contains(a.port());
  }
}
