package io.statewall.topology.discovery;

import io.statewall.topology.Attachment;
import io.statewall.topology.HalfLink;
import io.statewall.topology.Link;
import io.statewall.topology.OpenFlowPorts;
import io.statewall.topology.TopologyEvent;
import io.statewall.topology.TopologyEvent.LinkDown;
import io.statewall.topology.TopologyEvent.LinkUp;
import io.statewall.topology.TopologyEvent.Reason;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import org.projectfloodlight.openflow.protocol.OFMessage;
import org.projectfloodlight.openflow.protocol.OFPortDesc;
import org.projectfloodlight.openflow.types.DatapathId;
import org.projectfloodlight.openflow.types.MacAddress;
import io.statewall.controller.switches.SwitchHandle;

/**
 * LLDP link discovery: builds the probes, and turns probes that come back into half-links and
 * half-links seen both ways into links.
 *
 * <p>Not thread-safe: its owner ({@code TopologyManager}) serialises every call.
 */
public final class LinkDiscovery {

  /** A probe from {@code from} last seen arriving at the port that keys it. */
  private record Incoming(Attachment from, long lastSeen) {}

  private record ProbeId(Attachment origin, long timestamp, int sequence) {}

  /** Bounds the replay memory whatever a flood of probes does; evicting only weakens replay checks. */
  private static final int MAX_REMEMBERED_PROBES = 1 << 16;

  /** Source MAC for ports that report none: locally administered, unicast. */
  private static final MacAddress LOCAL_SOURCE = MacAddress.of(0x02_00_00_00_00_01L);

  private final LldpCodec codec;
  private final DiscoverySettings settings;
  /** Receiving port -> who sends to it. One sender per port: a new one means re-cabling. */
  private final Map<Attachment, Incoming> incoming = new HashMap<>();
  /** Sending port -> where its probes arrive (the inverse of {@code incoming}). */
  private final Map<Attachment, Attachment> outgoing = new HashMap<>();
  private final Set<Link> links = new HashSet<>();
  private final LinkedHashMap<ProbeId, Long> accepted = new LinkedHashMap<>();
  /** Probes sent in the same millisecond from one port still differ, so none looks replayed. */
  private final AtomicInteger sequence = new AtomicInteger();

  public LinkDiscovery(LldpCodec codec, DiscoverySettings settings) {
    this.codec = codec;
    this.settings = settings;
  }

  public DiscoverySettings settings() {
    return settings;
  }

  /** One probe per up physical port of {@code sw}, as unbuffered packet-outs. */
  public List<OFMessage> probes(SwitchHandle sw, long nowMillis) {
    List<OFMessage> out = new ArrayList<>();
    for (OFPortDesc port : sw.ports()) {
      out.addAll(probe(sw, port, nowMillis));
    }
    return out;
  }

  /** The probe for one port, or none if the port is down or not a physical port. */
  public List<OFMessage> probe(SwitchHandle sw, OFPortDesc port, long nowMillis) {
    if (!OpenFlowPorts.isPhysical(port.getPortNo()) || !OpenFlowPorts.isUp(port)) {
      return List.of();
    }
    MacAddress src = port.getHwAddr() == null || port.getHwAddr().equals(MacAddress.NONE)
        ? LOCAL_SOURCE : port.getHwAddr();
    byte[] frame = codec.encode(new Attachment(sw.id(), port.getPortNo()), src, nowMillis,
        sequence.incrementAndGet());
    return List.of(OpenFlowPorts.packetOut(sw.factory(), frame, List.of(port.getPortNo())));
  }

  /**
   * An LLDP frame arrived at {@code here}. Returns the link changes it causes (none for a forged,
   * stale, replayed or foreign frame). {@code knownPort} says whether the claimed origin is an up
   * port of a connected switch.
   */
  public Result received(Attachment here, byte[] frame, long nowMillis,
      Predicate<Attachment> knownPort) {
    LldpProbe probe = codec.decode(frame, nowMillis);
    if (!probe.ok()) {
      return new Result(probe.verdict(), List.of());
    }
    Attachment from = probe.origin();
    if (from.sw().equals(here.sw()) || !knownPort.test(from)) {
      // a port looped to its own switch carries no path; an unknown origin is a stale switch
      return new Result(LldpProbe.Verdict.NOT_OURS, List.of());
    }
    if (!firstSighting(new ProbeId(from, probe.timestampMillis(), probe.sequence()), nowMillis)) {
      return new Result(LldpProbe.Verdict.REPLAYED, List.of());
    }
    List<TopologyEvent> events = new ArrayList<>();
    Incoming previous = incoming.get(here);
    if (previous != null && !previous.from().equals(from)) {
      removeHalf(previous.from(), here, Reason.RECABLED, events);
    }
    Attachment previousPeer = outgoing.get(from);
    if (previousPeer != null && !previousPeer.equals(here)) {
      removeHalf(from, previousPeer, Reason.RECABLED, events);
    }
    incoming.put(here, new Incoming(from, nowMillis));
    outgoing.put(from, here);
    Incoming back = incoming.get(from);
    if (back != null && back.from().equals(here)) {
      Link link = Link.between(from, here);
      if (links.add(link)) {
        events.add(new LinkUp(link));
      }
    }
    return new Result(LldpProbe.Verdict.OK, events);
  }

  /** Forgets half-links not refreshed within the link timeout. */
  public List<TopologyEvent> expire(long nowMillis) {
    long deadline = nowMillis - settings.linkTimeout().toMillis();
    List<TopologyEvent> events = new ArrayList<>();
    List<Map.Entry<Attachment, Incoming>> stale = new ArrayList<>();
    for (Map.Entry<Attachment, Incoming> e : incoming.entrySet()) {
      if (e.getValue().lastSeen() < deadline) {
        stale.add(e);
      }
    }
    for (Map.Entry<Attachment, Incoming> e : stale) {
      removeHalf(e.getValue().from(), e.getKey(), Reason.TIMEOUT, events);
    }
    return events;
  }

  public List<TopologyEvent> portDown(Attachment port) {
    List<TopologyEvent> events = new ArrayList<>();
    Incoming in = incoming.get(port);
    if (in != null) {
      removeHalf(in.from(), port, Reason.PORT_DOWN, events);
    }
    Attachment to = outgoing.get(port);
    if (to != null) {
      removeHalf(port, to, Reason.PORT_DOWN, events);
    }
    return events;
  }

  public List<TopologyEvent> switchDown(DatapathId sw) {
    List<TopologyEvent> events = new ArrayList<>();
    List<Map.Entry<Attachment, Incoming>> touching = new ArrayList<>();
    for (Map.Entry<Attachment, Incoming> e : incoming.entrySet()) {
      if (e.getKey().sw().equals(sw) || e.getValue().from().sw().equals(sw)) {
        touching.add(e);
      }
    }
    for (Map.Entry<Attachment, Incoming> e : touching) {
      removeHalf(e.getValue().from(), e.getKey(), Reason.SWITCH_DOWN, events);
    }
    return events;
  }

  public Set<Link> links() {
    return Set.copyOf(links);
  }

  /** Every half-link seen: a probe from its {@code from} arrived at its {@code to} (and has not expired). */
  public Set<HalfLink> halves() {
    Set<HalfLink> all = new HashSet<>();
    incoming.forEach((to, in) -> all.add(new HalfLink(in.from(), to)));
    return all;
  }

  /** Who sends the probes that arrive at {@code here}, if any do. */
  public Optional<Attachment> sender(Attachment here) {
    Incoming in = incoming.get(here);
    return in == null ? Optional.empty() : Optional.of(in.from());
  }

  /** The ports probes were seen arriving at or leaving from: they face other switches. */
  public Set<Attachment> interSwitchPorts() {
    Set<Attachment> all = new HashSet<>(incoming.keySet());
    all.addAll(outgoing.keySet());
    return Set.copyOf(all);
  }

  /**
   * True if probes arrive at {@code here} but none of {@code here}'s own probes has been seen at
   * their sender: the link lacks its other half (typically because the sender's probe went out
   * before this switch was ready, and the next round is a whole probe interval away).
   */
  public boolean lacksReverseHalf(Attachment here) {
    Incoming in = incoming.get(here);
    if (in == null) {
      return false;
    }
    Incoming back = incoming.get(in.from());
    return back == null || !back.from().equals(here);
  }

  /** True if probes were seen arriving at or leaving from this port: it faces another switch. */
  public boolean isInterSwitchPort(Attachment port) {
    return incoming.containsKey(port) || outgoing.containsKey(port);
  }

  private void removeHalf(Attachment from, Attachment to, Reason reason, List<TopologyEvent> events) {
    Incoming in = incoming.get(to);
    if (in != null && in.from().equals(from)) {
      incoming.remove(to);
    }
    if (to.equals(outgoing.get(from))) {
      outgoing.remove(from);
    }
    Link link = Link.between(from, to);
    if (links.remove(link)) {
      events.add(new LinkDown(link, reason));
    }
  }

  private boolean firstSighting(ProbeId id, long nowMillis) {
    long horizon = nowMillis - settings.maxProbeAge().toMillis() - 1_000;
    Iterator<Map.Entry<ProbeId, Long>> it = accepted.entrySet().iterator();
    while (it.hasNext()) {
      Map.Entry<ProbeId, Long> e = it.next();
      if (e.getValue() >= horizon && accepted.size() < MAX_REMEMBERED_PROBES) {
        break;
      }
      it.remove();
    }
    return accepted.putIfAbsent(id, nowMillis) == null;
  }

  /** What a received LLDP frame did: its verdict and the link changes it caused. */
  public record Result(LldpProbe.Verdict verdict, List<TopologyEvent> events) {
    public Result {
      events = List.copyOf(events);
    }
  }

}
