package io.statewall.apps.main;

import io.statewall.cluster.ClusterConfig;
import io.statewall.cluster.replication.Change;
import io.statewall.cluster.replication.ConntrackReplicator;
import io.statewall.firewall.FirewallApp;
import io.statewall.firewall.forwarding.ExactMatch;
import io.statewall.firewall.forwarding.InstalledConnection;
import io.statewall.firewall.forwarding.Offload;
import io.statewall.firewall.forwarding.OffloadTable;
import io.statewall.netfilter.conntrack.ConnTracker;
import io.statewall.netfilter.conntrack.CtDirection;
import io.statewall.netfilter.conntrack.CtEntry;
import io.statewall.topology.Host;
import io.statewall.topology.TopologyService;
import java.util.Optional;
import org.projectfloodlight.openflow.types.U64;

/**
 * The firewall as conntrack replication sees it: a connection's ingress switch and its offload cookie
 * read from the firewall, and, on an heir, a committed replica's cookie recorded in the offload table so
 * that FLOW_REMOVED, flow statistics and the flow reconciler find the connection by it.
 */
final class FirewallReplication implements ConntrackReplicator.IngressResolver, ConntrackReplicator.Offloads {
  private final ConnTracker tracker;
  private final OffloadTable offloads;
  private final TopologyService topology;

  FirewallReplication(FirewallApp firewall, TopologyService topology) {
    this.tracker = firewall.tracker();
    this.offloads = firewall.offloads();
    this.topology = topology;
  }

  /**
   * A replicator for {@code config}'s member over this firewall's live conntrack, each owner's side table
   * bounded as conntrack is ({@code conntrackMax}).
   */
  static ConntrackReplicator replicator(ClusterConfig config, FirewallApp firewall, TopologyService topology,
      int conntrackMax) {
    FirewallReplication adapter = new FirewallReplication(firewall, topology);
    return new ConntrackReplicator(config.memberId(), config.clusterName(), config.transport(), firewall.tracker(),
        adapter, adapter, ConntrackReplicator.Settings.defaults().withMaxReplicasPerOwner(conntrackMax));
  }

  /**
   * Where the connection's first packet entered: the switch where its offloaded path meets its ORIGINAL
   * source if it has one, else the switch that source is attached to (the packet-in that opened it came
   * from there).
   */
  @Override
  public long ingressOf(CtEntry entry) {
    Optional<U64> cookie = offloads.cookie(entry);
    if (cookie.isPresent()) {
      Offload o = offloads.get(cookie.get());
      InstalledConnection c = o == null ? null : o.installed();
      if (c != null) {
        // the entries run from where the packet that offloaded it entered: a UDP stream's reply, say,
        // whose ingress is the far end's (then the owner's switch is the path's other end)
        return (fromOriginalSource(c.original(), entry) ? c.src() : c.dst()).sw().getLong();
      }
    }
    return topology.hostByAddress(ExactMatch.address(entry.tuple(CtDirection.ORIGINAL).src()))
        .map(Host::attachment).map(a -> a.sw().getLong()).orElse(Change.Update.UNKNOWN_INGRESS);
  }

  /** Whether {@code m} (an offloaded packet's match) runs in {@code entry}'s ORIGINAL direction. */
  static boolean fromOriginalSource(ExactMatch m, CtEntry entry) {
    var original = entry.tuple(CtDirection.ORIGINAL);
    if (!m.src().equals(ExactMatch.address(original.src()))) {
      return false;
    }
    // one address at both ends (a host's two sockets): the ports tell the directions apart
    return !m.src().equals(m.dst()) || m.srcPort() == original.srcPort();
  }

  @Override
  public long cookieOf(CtEntry entry) {
    return offloads.cookie(entry).map(U64::getValue).orElse(0L);
  }

  /** As the reconciler records an adopted connection: carried by the switches (liberal), found by its cookie. */
  @Override
  public void record(CtEntry entry, long cookie) {
    tracker.markOffloaded(entry);
    offloads.record(entry, U64.of(cookie));
  }
}
