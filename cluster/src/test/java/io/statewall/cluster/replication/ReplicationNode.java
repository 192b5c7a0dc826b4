package io.statewall.cluster.replication;

import io.statewall.cluster.ClusterConfig;
import io.statewall.netfilter.conntrack.ConnTracker;
import io.statewall.netfilter.conntrack.CtConfig;
import io.statewall.netfilter.conntrack.CtDirection;
import io.statewall.netfilter.conntrack.CtEntry;
import io.statewall.netfilter.conntrack.CtLookup;
import io.statewall.netfilter.conntrack.CtSnapshot;
import io.statewall.netfilter.conntrack.CtTuple;
import io.statewall.netfilter.conntrack.HelperVerdict;
import io.statewall.netfilter.conntrack.ShardedConnTracker;
import io.statewall.netfilter.conntrack.TcpFlow;
import io.statewall.netfilter.conntrack.TrackOptions;
import io.statewall.netfilter.conntrack.ftp.FtpHelper;
import io.statewall.netfilter.packet.Packet;
import java.time.InstantSource;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One member's conntrack side in a test: a live tracker with the FTP helper, its replicator on the
 * cluster's replication channel, and a fake offload table (cookies by connection). A connection's
 * ingress switch is the third octet of its ORIGINAL source address (10.0.&lt;dpid&gt;.x; unknown for any
 * other source).
 */
final class ReplicationNode implements AutoCloseable {
  static final int PA = Packet.TCP_PSH | Packet.TCP_ACK;

  final String id;
  final ShardedConnTracker tracker;
  final Map<CtEntry, Long> cookies = new ConcurrentHashMap<>();
  final ConntrackReplicator replicator;

  ReplicationNode(String id, String clusterName) {
    this.id = id;
    this.tracker = new ShardedConnTracker(CtConfig.defaults(), InstantSource.system(), List.of(new FtpHelper()));
    ConntrackReplicator.Offloads offloads = new ConntrackReplicator.Offloads() {
      @Override
      public long cookieOf(CtEntry entry) {
        return cookies.getOrDefault(entry, 0L);
      }

      @Override
      public void record(CtEntry entry, long cookie) {
        cookies.put(entry, cookie);
      }
    };
    this.replicator = new ConntrackReplicator(id, clusterName, new ClusterConfig.SharedLoopback(), tracker,
        ReplicationNode::ingressOf, offloads, ConntrackReplicator.Settings.defaults());
  }

  ReplicationNode start() throws Exception {
    replicator.start();
    return this;
  }

  static long ingressOf(CtEntry e) {
    long lo = e.tuple(CtDirection.ORIGINAL).src().lo();
    // 10.0.<dpid>.x; anything else is beyond a router, its ingress not known (as FirewallReplication says of
    // a source that is no learned host)
    return (lo >>> 24) == 10 ? (lo >>> 8) & 0xFF : Change.Update.UNKNOWN_INGRESS;
  }

  /** Classifies and (the filter accepting) confirms, as the firewall does. */
  HelperVerdict send(Packet p) {
    TrackOptions o = p.isTcp() && p.dstPort() == 21 ? TrackOptions.helper("ftp") : TrackOptions.NONE;
    CtLookup l = tracker.classify(p, o);
    return tracker.confirm(l);
  }

  CtLookup classify(Packet p) {
    return tracker.classify(p, TrackOptions.NONE);
  }

  /** A TCP handshake through this tracker: ESTABLISHED and ASSURED. */
  CtEntry established(TcpFlow f) {
    send(f.c(Packet.TCP_SYN));
    send(f.s(Packet.TCP_SYN | Packet.TCP_ACK));
    send(f.c(Packet.TCP_ACK));
    return entry(tuple(f)).orElseThrow();
  }

  /** The switches now carry {@code e} under {@code cookie} (as the firewall's offload table tells replication). */
  void offload(CtEntry e, long cookie) {
    cookies.put(e, cookie);
    replicator.offloaded(e, cookie);
  }

  static CtTuple tuple(TcpFlow f) {
    return CtTuple.ports(f.client, f.server, 6, f.cport, f.sport);
  }

  Optional<CtEntry> entry(CtTuple original) {
    return tracker.entries().stream().filter(e -> e.tuple(CtDirection.ORIGINAL).equals(original)).findFirst();
  }

  /** This member's live table as the snapshots replication would send (timeouts left out). */
  Map<CtTuple, String> liveState() {
    Map<CtTuple, String> out = new ConcurrentHashMap<>();
    for (CtEntry e : tracker.entries()) {
      CtSnapshot s = tracker.snapshot(e);
      if (s != null) {
        out.put(s.original(), state(s));
      }
    }
    return out;
  }

  /** What this member holds of {@code owner}'s table, in the same form. */
  Map<CtTuple, String> replicaState(String owner) {
    Map<CtTuple, String> out = new ConcurrentHashMap<>();
    for (CtSnapshot s : replicator.replicasOf(owner)) {
      out.put(s.original(), state(s));
    }
    return out;
  }

  static String state(CtSnapshot s) {
    return "status=" + s.status() + " tcp=" + s.tcpStateName() + " helper=" + s.helper();
  }

  @Override
  public void close() {
    replicator.close();
  }
}
