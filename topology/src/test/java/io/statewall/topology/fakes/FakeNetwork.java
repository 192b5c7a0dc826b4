package io.statewall.topology.fakes;

import io.statewall.topology.Attachment;
import io.statewall.topology.TopologyEvent;
import io.statewall.topology.TopologyManager;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.projectfloodlight.openflow.protocol.OFPacketOut;
import org.projectfloodlight.openflow.protocol.action.OFAction;
import org.projectfloodlight.openflow.protocol.action.OFActionOutput;

/**
 * Fake switches joined by fake cables: packet-outs written to a cabled port come back to the
 * manager as packet-ins at the other end, as a real network would deliver LLDP.
 */
public final class FakeNetwork {

  private final TopologyManager manager;
  private final Map<Long, FakeSwitch> switches = new HashMap<>();
  private final Map<Attachment, Attachment> cables = new HashMap<>();
  public final List<TopologyEvent> events = new ArrayList<>();

  public FakeNetwork(TopologyManager manager) {
    this.manager = manager;
    manager.addListener(events::add);
  }

  public FakeSwitch add(FakeSwitch sw) {
    switches.put(sw.id().getLong(), sw);
    manager.switchReady(sw);
    return sw;
  }

  public FakeSwitch sw(long dpid) {
    return switches.get(dpid);
  }

  public void cable(long s1, int p1, long s2, int p2) {
    cables.put(Attachment.of(s1, p1), Attachment.of(s2, p2));
    cables.put(Attachment.of(s2, p2), Attachment.of(s1, p1));
  }

  public void cut(long s1, int p1, long s2, int p2) {
    cables.remove(Attachment.of(s1, p1));
    cables.remove(Attachment.of(s2, p2));
  }

  /** Delivers every packet-out written so far across its cable, then forgets what was written. */
  public int deliver() {
    int delivered = 0;
    for (FakeSwitch sw : List.copyOf(switches.values())) {
      delivered += deliverFrom(sw.id().getLong());
    }
    return delivered;
  }

  /** Delivers what one switch has written so far across its cables, then forgets it. */
  public int deliverFrom(long dpid) {
    FakeSwitch sw = switches.get(dpid);
    List<OFPacketOut> outs = sw.packetOuts();
    sw.clear();
    int delivered = 0;
    for (OFPacketOut po : outs) {
      for (OFAction a : po.getActions()) {
        if (a instanceof OFActionOutput out) {
          Attachment peer = cables.get(new Attachment(sw.id(), out.getPort()));
          if (peer != null && switches.containsKey(peer.sw().getLong())) {
            FakeSwitch to = switches.get(peer.sw().getLong());
            manager.receive(to, to.packetIn(peer.port().getPortNumber(), po.getData()));
            delivered++;
          }
        }
      }
    }
    return delivered;
  }

  /** One LLDP round on every switch, delivered. */
  public void probeAll() {
    manager.probeAndExpire(List.copyOf(switches.values()));
    deliver();
  }

  public <T extends TopologyEvent> List<T> events(Class<T> type) {
    return events.stream().filter(type::isInstance).map(type::cast).toList();
  }
}
