package io.statewall.operator.api;

import io.statewall.operator.api.Views.End;
import io.statewall.operator.api.Views.HostView;
import io.statewall.operator.api.Views.LinkView;
import io.statewall.operator.api.Views.PortView;
import io.statewall.operator.api.Views.SwitchView;
import io.statewall.operator.source.TopologyView;
import io.statewall.operator.source.TopologyView.SwitchState;
import io.statewall.topology.Attachment;
import java.util.Comparator;
import java.util.List;

/** What the controller and topology know of the network, as the API shows it. */
final class NetworkViews {
  private final TopologyView topology;

  NetworkViews(TopologyView topology) {
    this.topology = topology;
  }

  List<SwitchView> switches() {
    return topology.switches().stream()
        .sorted((a, b) -> Long.compareUnsigned(a.dpid(), b.dpid()))
        .map(NetworkViews::view).toList();
  }

  private static SwitchView view(SwitchState sw) {
    List<PortView> ports = sw.ports().stream().map(p -> new PortView(p.number(), p.name(), p.up())).toList();
    return new SwitchView(dpid(sw.dpid()), sw.name(), sw.version(), sw.ready(), ports);
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
