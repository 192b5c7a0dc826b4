package io.statewall.topology;

import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.projectfloodlight.openflow.types.DatapathId;
import org.projectfloodlight.openflow.types.IPAddress;
import org.projectfloodlight.openflow.types.MacAddress;
import org.projectfloodlight.openflow.types.OFPort;

/** What other apps read of the network: switches, links, hosts, paths and the flooding tree. */
public interface TopologyService {

  Set<DatapathId> switches();

  Set<Link> links();

  Collection<Host> hosts();

  Optional<Host> host(MacAddress mac);

  Optional<Host> hostByAddress(IPAddress<?> address);

  /** The shortest path from {@code src} to {@code dst}; empty if unreachable or the same port. */
  Optional<Path> path(Attachment src, Attachment dst);

  /**
   * The ports of {@code sw} a flooded packet may leave by: the broadcast tree's links plus the
   * edge (host) ports that are up. Never a port of a link outside the tree, never LOCAL.
   */
  Set<OFPort> broadcastPorts(DatapathId sw);

  /**
   * The edge ports a frame for an unknown MAC may be flooded to, as a learning switch floods it:
   * up, facing no other switch, and probed long enough ago ({@code DiscoverySettings.edgeSettle})
   * that a switch behind it would have answered. In switch and port order; {@code except} left out.
   */
  List<Attachment> settledEdgePorts(Attachment except);

  /** True if LLDP has been seen on this port: hosts are never learned there. */
  boolean isInterSwitchPort(Attachment port);

  void addListener(TopologyListener listener);
}
