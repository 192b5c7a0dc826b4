package io.statewall.firewall.forwarding;

import io.statewall.netfilter.conntrack.CtDirection;
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
import java.util.Map;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.projectfloodlight.openflow.protocol.OFMessage;
import org.projectfloodlight.openflow.types.DatapathId;
import org.projectfloodlight.openflow.types.MacAddress;
import org.projectfloodlight.openflow.types.OFPort;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * IP forwarding: asks the decider about a packet that entered the network, installs the
 * connection's exact entries along the path in the accepted directions, and delivers the packet
 * at the far end. Moves installed connections when a link on their path fails or a host moves.
 */
public final class ConnectionForwarder {

  private static final Logger LOG = LoggerFactory.getLogger(ConnectionForwarder.class);

  private final TopologyService topology;
  private final ConnectionDecider decider;
  private final FlowProgrammer programmer;
  private final PacketOutSender sender;
  private final InstalledConnections installed;

  public ConnectionForwarder(TopologyService topology, ConnectionDecider decider,
      FlowProgrammer programmer, PacketOutSender sender, InstalledConnections installed) {
    this.topology = topology;
    this.decider = decider;
    this.programmer = programmer;
    this.sender = sender;
    this.installed = installed;
  }

  /** An IP packet that entered the network at {@code ingress} (an edge port). */
  public void forward(Attachment ingress, Packet packet, byte[] frame) {
    Decision decision = decider.decide(packet, ingress);
    if (decision instanceof Decision.Drop drop) {
      if (drop.dropEntrySeconds() > 0) {
        ExactMatch.of(packet).ifPresent(m ->
            programmer.installDrop(ingress, m, ConnectionCookie.of(m), drop.dropEntrySeconds()));
      }
      return;
    }
    Decision.Accept accept = (Decision.Accept) decision;
    MacAddress dstMac = MacAddress.of(packet.dstMac());
    if (OpenFlowPorts.isGroup(dstMac)) {
      sender.flood(ingress, frame);
      return;
    }
    // an unknown unicast destination is not flooded: it would hand IP traffic to every host;
    // ARP and ND (proxied or flooded) teach topology every host that answers
    Optional<Host> dst = topology.host(dstMac);
    Optional<Path> path = dst.flatMap(h -> topology.path(ingress, h.attachment()));
    if (path.isEmpty()) {
      return;
    }
    Optional<ExactMatch> match = ExactMatch.of(packet);
    if (match.isPresent() && !accept.install().isEmpty()
        && programmer.canInstall(path.get(), match.get())) {
      install(new InstalledConnection(ConnectionCookie.of(match.get()), match.get(), ingress,
          dst.get().attachment(), accept.install(), path.get()), accept.guard());
    }
    // delivered at the far end: the entries upstream may not be in place yet, and a second
    // packet-in of this packet on the way would be seen twice by conntrack
    sender.send(dst.get().attachment(), frame);
  }

  /** Moves connections off failed links and after moved hosts; other events change nothing. */
  public void topologyChanged(TopologyEvent event) {
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
   * A new connection's entries, if the switches' flow-mod budgets admit them all and the verdict
   * still holds ({@code guard}: a policy swap or a conntrack delete since would leave them orphaned).
   */
  private synchronized void install(InstalledConnection c, OffloadGuard guard) {
    guard.offload(() -> {
      if (!programmer.writeIfAdmitted(entries(c))) {
        return false;
      }
      // recorded within the guard: a deletion that follows finds the entries to remove
      installed.record(c);
      return true;
    });
  }

  /** What a reroute did with a connection. */
  private enum Rerouted { MOVED, KEPT, REMOVED }

  /**
   * Re-installs {@code c} on today's shortest path; with no path left its entries are removed, or,
   * when {@code keepIfNoPath} (a switch of its path only lost its controller), kept.
   */
  private synchronized Rerouted reroute(InstalledConnection c, Attachment src, Attachment dst,
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
    entries(c).forEach(programmer::write);
  }

  /** The flow-adds of {@code c}'s directions, reply first (downstream of the reply is the sender). */
  private List<Map<DatapathId, List<OFMessage>>> entries(InstalledConnection c) {
    List<Map<DatapathId, List<OFMessage>>> out = new ArrayList<>(2);
    if (c.directions().contains(CtDirection.REPLY)) {
      c.original().reverse().ifPresent(r -> out.add(programmer.addsFor(c.path().reversed(), r, c.cookie())));
    }
    if (c.directions().contains(CtDirection.ORIGINAL)) {
      out.add(programmer.addsFor(c.path(), c.original(), c.cookie()));
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
