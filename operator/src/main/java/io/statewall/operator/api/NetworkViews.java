package io.statewall.operator.api;

import io.statewall.operator.api.Views.ClusterMemberView;
import io.statewall.operator.api.Views.ClusterView;
import io.statewall.operator.api.Views.End;
import io.statewall.operator.api.Views.MastershipView;
import io.statewall.operator.api.Views.HostView;
import io.statewall.operator.api.Views.LinkView;
import io.statewall.operator.api.Views.PortView;
import io.statewall.operator.api.Views.SwitchView;
import io.statewall.controller.launch.ClusterOptions;
import io.statewall.operator.source.ClusterStatus;
import io.statewall.operator.source.TopologyView;
import io.statewall.operator.source.TopologyView.SwitchState;
import io.statewall.topology.Attachment;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongUnaryOperator;

/**
 * What the controller and topology know of the network, as the API shows it. A switch's packet-in
 * rate is the change of its packet-in count between two looks (the live stream looks every few
 * seconds), so it needs no timer of its own.
 */
final class NetworkViews {
  /** Looks closer together than this keep the rate of the one before. */
  private static final long MIN_INTERVAL_NANOS = 500_000_000L;

  private final TopologyView topology;
  private final ClusterStatus cluster;
  private final LongUnaryOperator packetIns;
  /** Per dpid: when it was last looked at, its count then, and the rate that gave. */
  private final Map<Long, double[]> samples = new HashMap<>();

  /** {@code packetIns}: a switch's packet-ins so far, by dpid. */
  NetworkViews(TopologyView topology, ClusterStatus cluster, LongUnaryOperator packetIns) {
    this.topology = topology;
    this.cluster = cluster;
    this.packetIns = packetIns;
  }

  List<SwitchView> switches() {
    long now = System.nanoTime();
    return topology.switches().stream()
        .sorted((a, b) -> Long.compareUnsigned(a.dpid(), b.dpid()))
        .map(sw -> view(sw, rate(sw.dpid(), now))).toList();
  }

  private SwitchView view(SwitchState sw, Double rate) {
    List<PortView> ports = sw.ports().stream().map(p -> new PortView(p.number(), p.name(), p.up())).toList();
    return new SwitchView(dpid(sw.dpid()), sw.name(), sw.version(), sw.ready(), cluster.role(sw.dpid()),
        sw.flowEntries() < 0 ? null : sw.flowEntries(), rate, ports);
  }

  private synchronized Double rate(long dpid, long now) {
    long count = packetIns.applyAsLong(dpid);
    double[] s = samples.get(dpid);
    if (s == null) {
      samples.put(dpid, new double[] {now, count, Double.NaN});
      return null;
    }
    double elapsed = now - s[0];
    if (elapsed >= MIN_INTERVAL_NANOS) {
      s[2] = Math.max(0, count - s[1]) / (elapsed / 1e9);
      s[0] = now;
      s[1] = count;
    }
    return Double.isNaN(s[2]) ? null : Math.round(s[2] * 10) / 10.0;
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

  /** The cluster as {@code status} has applied it; a controller on its own is cluster "none". */
  static ClusterView cluster(ClusterStatus status) {
    ClusterStatus.Replication r = status.replication().orElse(null);
    return status.membership().map(m -> new ClusterView(m.cluster(), m.member(), m.leader().orElse(null),
        m.term(), m.commitIndex(), m.commitIndex(), m.lastAppended(),
        m.members().stream().map(x -> new ClusterMemberView(x.id(), x.address(), x.id().equals(m.member()),
            x.ready(), x.masterOf(), x.applied().orElse(null))).toList(),
        m.switches().stream().sorted((a, b) -> Long.compareUnsigned(a.dpid(), b.dpid()))
            .map(s -> new MastershipView(dpid(s.dpid()), s.master().orElse(null), s.epoch(), s.role())).toList(),
        m.policyGeneration(), m.policyError().orElse(null), r == null ? null : r.lagLastMillis() / 1000.0,
        r == null ? null : (long) r.queueLength(), r == null ? null : r.batchesSent(),
        r == null ? null : r.batchesLost(), r == null ? null : r.batchesResent(), m.mastership().orElse(null)))
        .orElse(new ClusterView(ClusterOptions.NONE, null, null, null, null, null, null, List.of(), List.of(), null,
            null, null, null, null, null, null, null));
  }

  static End end(Attachment a) {
    return new End(dpid(a.sw().getLong()), a.port().getPortNumber());
  }

  static String dpid(long id) {
    return String.format("%016x", id);
  }
}
