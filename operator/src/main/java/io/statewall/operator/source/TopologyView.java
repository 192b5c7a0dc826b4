package io.statewall.operator.source;

import io.statewall.netfilter.packet.IpAddress;
import io.statewall.topology.Attachment;
import io.statewall.topology.Host;
import io.statewall.topology.Link;
import io.statewall.topology.Path;
import io.statewall.topology.TopologyListener;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/** The network as the operator sees it: switches, links, hosts and paths, and a way to hear of changes. */
public interface TopologyView {
  /** A switch port: its number, name and whether it is up (neither link-down nor configured down). */
  record Port(int number, String name, boolean up) {}

  /**
   * A connected switch: datapath id, name (its LOCAL port's), OpenFlow version, ready, whether its
   * send buffer has room (false: writes, flow-mods among them, are queueing up), the entries in all
   * its flow tables as it last said (-1 before it has), ports but LOCAL.
   */
  record SwitchState(long dpid, String name, String version, boolean ready, boolean writable, long flowEntries,
      List<Port> ports) {}

  /** Connected switches, by datapath id. */
  List<SwitchState> switches();

  Set<Link> links();

  Collection<Host> hosts();

  Optional<Host> hostByAddress(IpAddress address);

  Optional<Path> path(Attachment src, Attachment dst);

  void addListener(TopologyListener listener);
}
