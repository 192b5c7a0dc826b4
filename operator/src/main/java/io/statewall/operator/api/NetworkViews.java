package io.statewall.operator.api;

import io.statewall.operator.api.Views.End;
import io.statewall.operator.api.Views.HostView;
import io.statewall.operator.api.Views.LinkView;
import io.statewall.operator.api.Views.PortView;
import io.statewall.operator.api.Views.SwitchView;
import io.statewall.controller.switches.SwitchHandle;
import io.statewall.controller.switches.SwitchRegistry;
import io.statewall.topology.Attachment;
import io.statewall.topology.TopologyService;
import java.util.Comparator;
import java.util.List;
import org.projectfloodlight.openflow.protocol.OFPortConfig;
import org.projectfloodlight.openflow.protocol.OFPortDesc;
import org.projectfloodlight.openflow.protocol.OFPortState;
import org.projectfloodlight.openflow.types.OFPort;

/** What the controller and topology know of the network, as the API shows it. */
final class NetworkViews {
  private final SwitchRegistry switches;
  private final TopologyService topology;

  NetworkViews(SwitchRegistry switches, TopologyService topology) {
    this.switches = switches;
    this.topology = topology;
  }

  List<SwitchView> switches() {
    return switches.all().stream().sorted(Comparator.comparing(SwitchHandle::id)).map(NetworkViews::view).toList();
  }

  private static SwitchView view(SwitchHandle sw) {
    String name = sw.port(OFPort.LOCAL).map(OFPortDesc::getName).orElse(null);
    List<PortView> ports = sw.ports().stream()
        .filter(p -> !p.getPortNo().equals(OFPort.LOCAL))
        .sorted(Comparator.comparingInt(p -> p.getPortNo().getPortNumber()))
        .map(p -> new PortView(p.getPortNo().getPortNumber(), p.getName(),
            !p.getState().contains(OFPortState.LINK_DOWN) && !p.getConfig().contains(OFPortConfig.PORT_DOWN)))
        .toList();
    return new SwitchView(dpid(sw.id().getLong()), name, sw.version().toString(), sw.isReady(), ports);
  }

  List<LinkView> links() {
    return topology.links().stream().sorted(Comparator.comparing(l -> l.a()))
        .map(l -> new LinkView(end(l.a()), end(l.b()))).toList();
  }

  List<HostView> hosts() {
    return topology.hosts().stream().sorted(Comparator.comparing(h -> h.attachment()))
        .map(h -> new HostView(h.mac().toString(), end(h.attachment()),
            h.addresses().stream().map(a -> a.toString()).toList()))
        .toList();
  }

  static End end(Attachment a) {
    return new End(dpid(a.sw().getLong()), a.port().getPortNumber());
  }

  static String dpid(long id) {
    return String.format("%016x", id);
  }
}
