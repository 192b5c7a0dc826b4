package io.statewall.firewall.forwarding;

import io.statewall.netfilter.conntrack.CtDirection;
import io.statewall.netfilter.packet.IpAddress;
import io.statewall.netfilter.packet.Packet;
import io.statewall.topology.Attachment;
import io.statewall.topology.Hop;
import io.statewall.topology.Host;
import io.statewall.topology.OpenFlowPorts;
import io.statewall.topology.Path;
import io.statewall.topology.TopologyEvent;
import io.statewall.topology.TopologyService;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import org.projectfloodlight.openflow.protocol.OFFactory;
import org.projectfloodlight.openflow.protocol.OFMessage;
import org.projectfloodlight.openflow.types.DatapathId;
import org.projectfloodlight.openflow.types.MacAddress;
import org.projectfloodlight.openflow.types.OFPort;
import org.projectfloodlight.openflow.types.U64;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * IP forwarding and the one executor of decisions: asks the decider about a packet that entered the
 * network and writes everything its {@link Decision} says: the reject frame, the drop entry, the
 * connection's exact entries along the path in the accepted directions with their teardown traps
 * (one batch per switch), and the packet delivered at the far end. Moves installed connections when
 * a link on their path fails or a host moves.
 */
public final class ConnectionForwarder {

  private static final Logger LOG = LoggerFactory.getLogger(ConnectionForwarder.class);

  private final TopologyService topology;
  private final ConnectionDecider decider;
  private final FlowProgrammer programmer;
  private final PacketOutSender sender;
  private final InstalledConnections installed;
  private final RefusedFrames refused;
  private final TeardownTraps traps;
  /**
   * New connections' writes share it, a reroute holds it alone: a reroute's walk sees every
   * connection recorded before it, and no install lands between its reads and its writes.
   */
  private final ReentrantReadWriteLock moves = new ReentrantReadWriteLock();

  /**
   * What a decision is carried out through: the flow service for entries, the sender for frames,
   * the record of installed connections, and the count of frames refused before any rule ran.
   */
  public record Outputs(FlowProgrammer programmer, PacketOutSender sender, InstalledConnections installed,
      RefusedFrames refused) {}

  public ConnectionForwarder(TopologyService topology, ConnectionDecider decider, Outputs out) {
    this.topology = topology;
    this.decider = decider;
    this.programmer = out.programmer();
    this.sender = out.sender();
    this.installed = out.installed();
    this.refused = out.refused();
    this.traps = new TeardownTraps(programmer.settings().priority(), programmer.outputs());
  }

  /**
   * An IP packet that entered the network at {@code ingress} (an edge port). It reaches only hosts
   * whose rules were asked: a broadcast or multicast datagram every host whose rules accept it, a
   * unicast one the owner of its destination address (or a gateway the policy declares), a unicast
   * one to an unknown destination the ports where that destination may be, as a learning switch
   * floods it.
   */
  public void forward(Attachment ingress, Packet packet, byte[] frame) {
    forward(ingress, packet, List.of(frame), true);
  }

  /**
   * A reassembled datagram: judged once, as a whole; if accepted, each of its fragments is
   * delivered, if not, none. No entries: a switch cannot tell a fragment's ports.
   */
  public void forwardFragments(Attachment ingress, Packet whole, List<byte[]> fragments) {
    forward(ingress, whole, fragments, false);
  }

  private void forward(Attachment ingress, Packet packet, List<byte[]> frames, boolean entries) {
    MacAddress dstMac = MacAddress.of(packet.dstMac());
    boolean groupMac = OpenFlowPorts.isGroup(dstMac);
    Optional<Host> ipOwner = topology.hostByAddress(ExactMatch.address(packet.dst()));
    if (isGroupAddress(packet) || (groupMac && ipOwner.isEmpty())) {
      deliverToReceivers(ingress, packet, frames, edgePorts(ingress));
      return;
    }
    // a unicast address in a broadcast frame is the address owner's alone (the others would route it)
    Optional<Host> dst = groupMac ? ipOwner : topology.host(dstMac);
    if (dst.isEmpty()) {
      if (ipOwner.isPresent()) {
        refused.refuse(RefusedFrames.Reason.FOREIGN_MAC, ingress, packet.dst() + " is " + ipOwner.get().mac()
            + "'s, not unknown " + dstMac + "'s");
        return;
      }
      // a learning switch floods a frame for an unknown MAC to every port but the one it came in by
      // (the MAC may sit behind any of them, a legacy switch's port holds many hosts); here only if
      // the rules of its address's owner accept it, straight to the edge ports (it never crosses a
      // link), and only to ports discovery has had its round on: right after a restart an
      // inter-switch port not yet probed looks like an edge port, and a flood out of it would teach
      // the next switch a host where it is not. Other hosts' NICs drop a frame not for them, as
      // behind a Linux bridge; the answer teaches topology where the MAC is
      Decision decision = decider.decide(packet, ingress);
      if (decision instanceof Decision.Drop drop && drop.reject() != null) {
        sender.send(ingress, drop.reject());
      } else if (decision instanceof Decision.Accept) {
        Map<DatapathId, List<OFPort>> out = new LinkedHashMap<>();
        for (Attachment a : topology.settledEdgePorts(ingress)) {
          out.computeIfAbsent(a.sw(), k -> new ArrayList<>()).add(a.port());
        }
        out.forEach((sw, ports) -> frames.forEach(f -> sender.send(sw, f, ports)));
      }
      return;
    }
    if (!groupMac && !decider.deliverable(packet, dst.get())) {
      refused.refuse(RefusedFrames.Reason.FOREIGN_MAC, ingress, "a frame for " + dstMac + " carries "
          + packet.dst() + ", which is not that host's");
      return;
    }
    Decision decision = decider.decide(packet, ingress);
    if (decision instanceof Decision.Drop drop) {
      if (drop.reject() != null) {
        sender.send(ingress, drop.reject());
      }
      if (entries && drop.dropEntrySeconds() > 0) {
        FlowKey.of(packet).ifPresent(k -> programmer.installDrop(ingress, k.match(), k.cookie(),
            drop.dropEntrySeconds()));
      }
      return;
    }
    Decision.Accept accept = (Decision.Accept) decision;
    // the decider made the key of an offloaded packet already; the cookie is only made when entries are
    Optional<ExactMatch> match = !entries ? Optional.empty()
        : accept.key() != null ? Optional.of(accept.key().match()) : ExactMatch.of(packet);
    // a drop entry for the other direction of a connection that is now accepted would drop its replies
    match.ifPresent(programmer::cancelDropOfReverse);
    Optional<Path> path = topology.path(ingress, dst.get().attachment());
    if (path.isEmpty()) {
      return;
    }
    if (!groupMac && match.isPresent() && !accept.install().isEmpty()
        && programmer.canInstall(path.get(), match.get())) {
      U64 cookie = accept.key() != null ? accept.key().cookie() : ConnectionCookie.of(match.get());
      install(new InstalledConnection(cookie, match.get(), ingress, dst.get().attachment(),
          accept.install(), path.get()), accept);
    }
    // delivered at the far end: the entries upstream may not be in place yet, and a second
    // packet-in of this packet on the way would be seen twice by conntrack
    frames.forEach(f -> sender.send(dst.get().attachment(), f));
  }

  /** Frames dropped before any rule ran, by reason. */
  public RefusedFrames refused() {
    return refused;
  }

  /**
   * One packet-out per switch with exactly the accepting ports: the frame never crosses a link, so
   * no switch floods it on to a host whose rules were not asked.
   */
  private void deliverToReceivers(Attachment ingress, Packet packet, List<byte[]> frames,
      List<Attachment> candidates) {
    if (candidates.isEmpty()) {
      return;
    }
    Map<DatapathId, List<OFPort>> out = new LinkedHashMap<>();
    for (Attachment a : decider.receivers(packet, ingress, candidates)) {
      out.computeIfAbsent(a.sw(), k -> new ArrayList<>()).add(a.port());
    }
    out.forEach((sw, ports) -> frames.forEach(f -> sender.send(sw, f, ports)));
  }

  /** Every host port of the network but {@code ingress}, in switch and port order. */
  private List<Attachment> edgePorts(Attachment ingress) {
    List<Attachment> out = new ArrayList<>();
    List<DatapathId> sws = new ArrayList<>(topology.switches());
    sws.sort((a, b) -> Long.compareUnsigned(a.getLong(), b.getLong()));
    for (DatapathId sw : sws) {
      List<OFPort> ports = new ArrayList<>(topology.broadcastPorts(sw));
      ports.sort((a, b) -> Integer.compare(a.getPortNumber(), b.getPortNumber()));
      for (OFPort p : ports) {
        Attachment a = new Attachment(sw, p);
        if (!a.equals(ingress) && !topology.isInterSwitchPort(a)) {
          out.add(a);
        }
      }
    }
    return out;
  }

  /** IPv4 limited broadcast and multicast, IPv6 multicast: addresses no one host owns. */
  static boolean isGroupAddress(Packet p) {
    IpAddress d = p.dst();
    if (d == null) {
      return false;
    }
    if (d.isV6()) {
      return (d.hi() >>> 56) == 0xFF;
    }
    int a = d.v4Int();
    return a == -1 || (a >>> 28) == 0xE;
  }

  /** Moves connections off failed links and after moved hosts; other events change nothing. */
  public void topologyChanged(TopologyEvent event) {
    moves.writeLock().lock();
    try {
      moved(event);
    } finally {
      moves.writeLock().unlock();
    }
  }

  private void moved(TopologyEvent event) {
    EnumMap<Rerouted, Integer> counts = new EnumMap<>(Rerouted.class);
    if (event instanceof TopologyEvent.LinkDown down) {
      // a switch that lost its controller still forwards (fail-secure) on its entries: with no other
      // path, the connection's entries stay for the switch's return rather than cut a live path
      boolean switchGone = down.reason() == TopologyEvent.Reason.SWITCH_DOWN;
      for (InstalledConnection c : installed.using(down.link())) {
        counts.merge(reroute(c, c.src(), c.dst(), switchGone), 1, Integer::sum);
      }
    } else if (event instanceof TopologyEvent.HostMoved hostMoved) {
      MacAddress mac = hostMoved.host().mac();
      for (InstalledConnection c : installed.involving(mac)) {
        counts.merge(reroute(c,
            c.original().ethSrc().equals(mac) ? hostMoved.host().attachment() : c.src(),
            c.original().ethDst().equals(mac) ? hostMoved.host().attachment() : c.dst(), false),
            1, Integer::sum);
      }
    }
    if (!counts.isEmpty()) {
      // one line per event: a switch leaving with 50,000 connections once logged 50,000 lines
      LOG.info("{}: connections moved to a new path {}, kept on their entries while a switch of "
          + "their path is away {}, with no path left and their entries removed {}", event,
          counts.getOrDefault(Rerouted.MOVED, 0), counts.getOrDefault(Rerouted.KEPT, 0),
          counts.getOrDefault(Rerouted.REMOVED, 0));
    }
  }

  /**
   * A new connection's entries and, if {@code accept} asks, its teardown traps, in one batch per
   * switch, if the switches' flow-mod budgets admit the entries all and the verdict still holds
   * ({@code accept.guard()}: a policy swap or a conntrack delete since would leave them orphaned).
   */
  private void install(InstalledConnection c, Decision.Accept accept) {
    moves.readLock().lock();
    try {
      accept.guard().offload(() -> {
        if (!programmer.writeIfAdmitted(accept.trapTeardown() ? traps(c) : Map.of(), entries(c, accept.trapTeardown()))) {
          return false;
        }
        // recorded within the guard: a deletion that follows finds the entries to remove
        installed.record(c);
        return true;
      });
    } finally {
      moves.readLock().unlock();
    }
  }

  /** The traps of {@code c}'s directions, per switch: at the port where each direction enters. */
  private Map<DatapathId, List<OFMessage>> traps(InstalledConnection c) {
    Map<DatapathId, List<OFMessage>> out = new LinkedHashMap<>(4);
    if (c.directions().contains(CtDirection.ORIGINAL)) {
      trapsAt(out, c.src(), c.original(), c.cookie());
    }
    if (c.directions().contains(CtDirection.REPLY)) {
      c.original().reverse().ifPresent(r -> trapsAt(out, c.dst(), r, c.cookie()));
    }
    return out;
  }

  private void trapsAt(Map<DatapathId, List<OFMessage>> out, Attachment at, ExactMatch m, U64 cookie) {
    OFFactory f = programmer.factory(at.sw()).orElse(null);
    if (f != null) {
      List<OFMessage> t = traps.traps(f, at.port(), m, cookie);
      if (!t.isEmpty()) {
        FlowProgrammer.batch(out, at.sw(), 6).addAll(t);
      }
    }
  }

  /** What a reroute did with a connection. */
  private enum Rerouted { MOVED, KEPT, REMOVED }

  /**
   * Re-installs {@code c} on today's shortest path; with no path left its entries are removed, or,
   * when {@code keepIfNoPath} (a switch of its path only lost its controller), kept.
   */
  private Rerouted reroute(InstalledConnection c, Attachment src, Attachment dst,
      boolean keepIfNoPath) {
    Optional<Path> path = topology.path(src, dst);
    if (path.isEmpty() && keepIfNoPath) {
      LOG.debug("connection {}: a switch of its path disconnected and no other path is left: entries kept", c.cookie());
      return Rerouted.KEPT;
    }
    if (path.isEmpty() || !programmer.canInstall(path.get(), c.original())) {
      LOG.debug("connection {} has no path left from {} to {}: entries removed", c.cookie(), src, dst);
      removeEntries(c, List.of(), List.of());
      installed.forget(c.cookie());
      return Rerouted.REMOVED;
    }
    InstalledConnection moved = new InstalledConnection(c.cookie(), c.original(), src, dst,
        c.directions(), path.get());
    writeEntries(moved);
    // entries on (switch, in_port) pairs the new path no longer uses would never match again
    removeEntries(c, path.get().hops(), path.get().reversed().hops());
    installed.record(moved);
    return Rerouted.MOVED;
  }

  /** A live connection's entries moved to a new path: written whatever the budget says. */
  private void writeEntries(InstalledConnection c) {
    programmer.write(entries(c, installed.tracked(c.cookie())));
  }

  /**
   * The flow-adds of {@code c}'s directions, one list per switch: the reply's first (downstream of
   * the reply is the sender), so the switch where the connection entered leads; {@code trapped}: its
   * teardown traps are (or were) written, and its ingress entries leave FIN, SYN and RST to them.
   */
  private Map<DatapathId, List<OFMessage>> entries(InstalledConnection c, boolean trapped) {
    Map<DatapathId, List<OFMessage>> out = new LinkedHashMap<>(4);
    if (c.directions().contains(CtDirection.REPLY)) {
      ExactMatch r = c.original().reverse().orElse(null);
      if (r != null) {
        programmer.addsInto(out, c.path().reversed(), r, c.cookie(), trapped);
      }
    }
    if (c.directions().contains(CtDirection.ORIGINAL)) {
      programmer.addsInto(out, c.path(), c.original(), c.cookie(), trapped);
    }
    return out;
  }

  private void removeEntries(InstalledConnection c, List<Hop> keepForward, List<Hop> keepReverse) {
    if (c.directions().contains(CtDirection.ORIGINAL)) {
      programmer.remove(stale(c.path().hops(), keepForward), c.original(), c.cookie());
    }
    if (c.directions().contains(CtDirection.REPLY)) {
      c.original().reverse().ifPresent(r ->
          programmer.remove(stale(c.path().reversed().hops(), keepReverse), r, c.cookie()));
    }
  }

  private static List<Hop> stale(List<Hop> old, List<Hop> keep) {
    record Entry(DatapathId sw, OFPort in) {}
    Set<Entry> kept = new HashSet<>();
    for (Hop h : keep) {
      kept.add(new Entry(h.sw(), h.in()));
    }
    return old.stream().filter(h -> !kept.contains(new Entry(h.sw(), h.in()))).toList();
  }

}
