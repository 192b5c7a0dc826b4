package io.statewall.cluster.replication;

import io.statewall.netfilter.conntrack.CtConfig;
import io.statewall.netfilter.conntrack.CtLookup;
import io.statewall.netfilter.conntrack.ShardedConnTracker;
import io.statewall.netfilter.conntrack.TcpFlow;
import io.statewall.netfilter.conntrack.TrackOptions;
import io.statewall.netfilter.packet.Packet;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.locks.LockSupport;

/**
 * What replication costs the owner's packet path, and the lag it gives: the same TCP handshakes (three
 * packets each, classify and confirm) through a tracker alone and through member A's tracker while A
 * replicates to B and C, all three in this JVM (so the followers' work competes for the same cores: the
 * ratio is an upper bound). Then B's lag and batch counts, and how long B's takeover of A's switch takes
 * (committing every replica into live conntrack). Medians of {@code runs}. A benchmark, not a test.
 * Run: {@code java -cp ... io.statewall.cluster.replication.ReplicationCostBench [connections] [runs]}.
 */
public final class ReplicationCostBench {
  private ReplicationCostBench() {}

  public static void main(String[] args) throws Exception {
    int n = args.length > 0 ? Integer.parseInt(args[0]) : 50_000;
    int runs = args.length > 1 ? Integer.parseInt(args[1]) : 3;
    List<Packet[]> handshakes = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      TcpFlow f = new TcpFlow("10.0.1." + (1 + (i & 127)), 1024 + (i >>> 7), "10.0.2.1", 80);
      handshakes.add(new Packet[] {f.c(Packet.TCP_SYN), f.s(Packet.TCP_SYN | Packet.TCP_ACK), f.c(Packet.TCP_ACK)});
    }
    for (int w = 0; w < 3; w++) { // JIT warm-up of the tracker path
      run(new ShardedConnTracker(CtConfig.defaults(), InstantSource.system(), List.of()), handshakes);
    }
    long[] alone = new long[runs];
    long[] replicated = new long[runs];
    for (int r = 0; r < runs; r++) {
      alone[r] = run(new ShardedConnTracker(CtConfig.defaults(), InstantSource.system(), List.of()), handshakes);
      String cluster = "statewall-bench-" + System.nanoTime();
      List<ReplicationNode> nodes = new ArrayList<>();
      try {
        for (String id : List.of("A", "B", "C")) {
          nodes.add(new ReplicationNode(id, cluster).start());
        }
        while (!nodes.stream().allMatch(x -> x.replicator.viewSize() == 3)) {
          LockSupport.parkNanos(10_000_000);
        }
        ReplicationNode a = nodes.get(0);
        ReplicationNode b = nodes.get(1);
        replicated[r] = run(a.tracker, handshakes);
        long waitFrom = System.nanoTime();
        while (b.replicator.metrics().replicasOf("A") < n) {
          LockSupport.parkNanos(1_000_000);
        }
        double caughtUp = (System.nanoTime() - waitFrom) / 1e6;
        ReplicationMetrics m = b.replicator.metrics();
        long p0 = System.nanoTime();
        int committed = b.replicator.promote("A", 1, true); // every connection entered at switch 1 (10.0.1.x)
        double promoteMs = (System.nanoTime() - p0) / 1e6;
        System.out.printf("run %d: alone %.0f ms, replicating %.0f ms; B had all %.0f ms after the last packet; "
            + "lag mean %.1f ms, max %d ms; A sent %d batches, B lost %d; B's takeover committed %d in %.0f ms%n",
            r + 1, alone[r] / 1e6, replicated[r] / 1e6, caughtUp, m.lagMeanMillis(), m.lagMaxMillis(),
            a.replicator.metrics().batchesSent(), m.batchesLost(), committed, promoteMs);
      } finally {
        nodes.forEach(ReplicationNode::close);
      }
    }
    Arrays.sort(alone);
    Arrays.sort(replicated);
    double a = alone[runs / 2] / 1e9;
    double r = replicated[runs / 2] / 1e9;
    System.out.printf("median: alone %,.0f connections/s, replicating %,.0f connections/s (%.0f %% slower)%n",
        n / a, n / r, 100 * (r - a) / a);
  }

  private static long run(ShardedConnTracker ct, List<Packet[]> handshakes) {
    long t0 = System.nanoTime();
    for (Packet[] h : handshakes) {
      for (Packet p : h) {
        CtLookup l = ct.classify(p, TrackOptions.NONE);
        ct.confirm(l);
      }
    }
    return System.nanoTime() - t0;
  }
}
