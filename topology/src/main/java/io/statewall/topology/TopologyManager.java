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
 * <p>Thread-safe: changes are serialised by one lock; reads use immutable snapshots.
 */
public final class TopologyManager
    implements TopologyService, SwitchListener, MessageListener<OFPacketIn> {

  private final Clock clock;
  private final LinkDiscovery discovery;
  private final HostTracker hosts;
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

  /** When a probe arriving at each port was last answered; guarded by {@code lock}. */
  private final Map<Attachment, Long> answered = new HashMap<>();

  public TopologyManager(Clock clock, LinkDiscovery discovery, HostTracker hosts, PathFinder paths) {
    this.clock = clock;
    this.discovery = discovery;
    this.hosts = hosts;
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
      events.enqueue(List.of(new SwitchUp(sw.id())));
      recompute();
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
      List<TopologyEvent> out = new ArrayList<>(discovery.switchDown(sw.id()));
      out.addAll(hosts.forgetSwitch(sw.id()));
      recompute();
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
      if (up) {
        if (ports.add(port)) {
          probedSince.put(at, clock.millis());
        }
      } else {
        ports.remove(port);
        probedSince.remove(at);
        answered.remove(at);
        List<TopologyEvent> out = new ArrayList<>(discovery.portDown(at));
        out.addAll(hosts.forgetPort(at));
        events.enqueue(out);
      }
      recompute();
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
        Set<Attachment> wereLinks = discovery.interSwitchPorts();
        LinkDiscovery.Result r = discovery.received(at, frame, clock.millis(), this::isUpPort);
        List<TopologyEvent> out = new ArrayList<>();
        // hosts seen at a port before discovery reached it were other switches' floods: at both ends
        // of a new link (an LLDP arriving here can make the sending port a link end as well)
        for (Attachment end : discovery.interSwitchPorts()) {
          if (!wereLinks.contains(end)) {
            out.addAll(hosts.forgetPort(end));
          }
        }
        out.addAll(r.events());
        recomputeIfChanged(!r.events().isEmpty());
        events.enqueue(out);
        probeBack = r.verdict() == LldpProbe.Verdict.OK && discovery.lacksReverseHalf(at)
            && answerDue(at, clock.millis());
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
        if (upPorts.containsKey(at.sw()) && !discovery.isInterSwitchPort(at)
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

  /** Probes every port of {@code switches}, expires silent links and aged hosts; the app's timer calls it. */
  public void probeAndExpire(Collection<SwitchHandle> switches) {
    long now = clock.millis();
    synchronized (lock) {
      List<TopologyEvent> out = new ArrayList<>(discovery.expire(now));
      recomputeIfChanged(!out.isEmpty());
      out.addAll(hosts.expire(now));
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

  @Override
  public Collection<Host> hosts() {
    return hosts.hosts();
  }

  @Override
  public Optional<Host> host(MacAddress mac) {
    return hosts.byMac(mac);
  }

  @Override
  public Optional<Host> hostByAddress(IPAddress<?> address) {
    return hosts.byAddress(address);
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

  // ---- internals ----

  /**
   * Answers a probe at a port at most once a probe interval: two cluster members that each see only one
   * half of a link (each masters one end) would otherwise answer each other's answers without end.
   */
  private boolean answerDue(Attachment here, long now) {
    Long last = answered.get(here);
    if (last != null && now - last < discovery.settings().probeInterval().toMillis()) {
      return false;
    }
    answered.put(here, now);
    return true;
  }

  /** Recomputes if links changed or a port changed sides (a lone half-link came or went). */
  private void recomputeIfChanged(boolean linksChanged) {
    if (linksChanged || !discovery.interSwitchPorts().equals(interSwitch)) {
      recompute();
    }
  }

  /** Rebuilds paths and flood ports from the current state; called with {@code lock} held. */
  private void recompute() {
    Set<Link> now = discovery.links();
    links = now;
    interSwitch = discovery.interSwitchPorts();
    paths.update(upPorts.keySet(), now);
    Set<Link> tree = paths.treeLinks();
    Map<DatapathId, Set<OFPort>> flood = new HashMap<>();
    for (Map.Entry<DatapathId, Set<OFPort>> e : upPorts.entrySet()) {
      Set<OFPort> allowed = new HashSet<>();
      for (OFPort p : e.getValue()) {
        if (!discovery.isInterSwitchPort(new Attachment(e.getKey(), p))) {
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
      if (!discovery.isInterSwitchPort(e.getKey())) {
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
    return hosts.byMac(s.mac()).map(h -> !h.attachment().equals(s.at())).orElse(false);
  }

  private boolean isUpPort(Attachment a) {
    Set<OFPort> ports = upPorts.get(a.sw());
    return ports != null && ports.contains(a.port());
  }
}
