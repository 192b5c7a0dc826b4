package io.statewall.topology.fakes;

import io.statewall.topology.Attachment;
import io.statewall.topology.TopologyManager;
import io.statewall.topology.discovery.DiscoverySettings;
import io.statewall.topology.discovery.LinkDiscovery;
import io.statewall.topology.discovery.LldpCodec;
import io.statewall.topology.discovery.LldpSigner;
import io.statewall.topology.hosts.HostTracker;
import io.statewall.topology.paths.DijkstraPathEngine;
import io.statewall.topology.paths.LinkWeigher;
import io.statewall.topology.paths.PathFinder;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.projectfloodlight.openflow.protocol.OFPacketOut;
import org.projectfloodlight.openflow.protocol.action.OFAction;
import org.projectfloodlight.openflow.protocol.action.OFActionOutput;

/**
 * Several controllers (cluster members), each with its own topology manager and its own connection to
 * every switch, as the switches of a cluster connect to every member: a switch sends packet-ins to its
 * master only, and takes packet-outs from its master only (a SLAVE's are refused). Cables carry the
 * master's packet-outs to the other end's master as packet-ins.
 */
public final class ClusterNetwork {
  private final FakeClock clock;
  private final Map<String, TopologyManager> managers = new TreeMap<>();
  private final Map<String, Map<Long, FakeSwitch>> handles = new TreeMap<>();
  private final Map<Long, String> masters = new HashMap<>();
  private final Map<Attachment, Attachment> cables = new HashMap<>();

  public ClusterNetwork(FakeClock clock) {
    this.clock = clock;
  }

  /** A member whose probes are signed with {@code key}. */
  public TopologyManager member(String id, byte[] key) {
    DiscoverySettings s = DiscoverySettings.DEFAULTS;
    TopologyManager m = new TopologyManager(clock,
        new LinkDiscovery(new LldpCodec(new LldpSigner(key), s.maxProbeAge().toMillis()), s),
        new HostTracker(1000), new PathFinder(new DijkstraPathEngine(), LinkWeigher.HOP_COUNT));
    managers.put(id, m);
    handles.put(id, new HashMap<>());
    return m;
  }

  /** A switch with these ports, connected to every member, mastered by {@code master}. */
  public void add(long dpid, String master, int... ports) {
    masters.put(dpid, master);
    managers.forEach((id, m) -> {
      FakeSwitch sw = FakeSwitch.of13(dpid, ports);
      handles.get(id).put(dpid, sw);
      m.switchReady(sw);
    });
  }

  public void cable(long s1, int p1, long s2, int p2) {
    cables.put(Attachment.of(s1, p1), Attachment.of(s2, p2));
    cables.put(Attachment.of(s2, p2), Attachment.of(s1, p1));
  }

  /** {@code dpid}'s mastership moves to {@code master}: its packet-ins go there from now on. */
  public void remaster(long dpid, String master) {
    masters.put(dpid, master);
  }

  public TopologyManager manager(String member) {
    return managers.get(member);
  }

  /** {@code member}'s connection to switch {@code dpid}. */
  public FakeSwitch handle(String member, long dpid) {
    return handles.get(member).get(dpid);
  }

  /** A frame arriving at {@code dpid}'s port: a packet-in to its master. */
  public void arrive(long dpid, int port, byte[] frame) {
    String master = masters.get(dpid);
    FakeSwitch to = handles.get(master).get(dpid);
    managers.get(master).receive(to, to.packetIn(port, frame));
  }

  /**
   * Delivers what every member wrote until nothing more is written (or {@code maxRounds} passed): the
   * masters' packet-outs across their cables, the slaves' dropped. Returns the frames delivered.
   */
  public int deliverAll(int maxRounds) {
    int delivered = 0;
    for (int round = 0; round < maxRounds; round++) {
      int now = 0;
      for (var member : handles.entrySet()) {
        for (FakeSwitch sw : List.copyOf(member.getValue().values())) {
          List<OFPacketOut> outs = sw.packetOuts();
          sw.clear();
          if (!member.getKey().equals(masters.get(sw.id().getLong()))) {
            continue; // refused as IS_SLAVE
          }
          for (OFPacketOut po : outs) {
            for (OFAction a : po.getActions()) {
              Attachment peer = a instanceof OFActionOutput out ? cables.get(new Attachment(sw.id(), out.getPort())) : null;
              if (peer != null) {
                arrive(peer.sw().getLong(), peer.port().getPortNumber(), po.getData());
                now++;
              }
            }
          }
        }
      }
      delivered += now;
      if (now == 0) {
        break;
      }
    }
    return delivered;
  }

  /** One LLDP round of every member on every switch (each probes all; the slaves' probes are refused). */
  public void probeAll() {
    managers.forEach((id, m) -> m.probeAndExpire(List.copyOf(handles.get(id).values())));
  }
}
