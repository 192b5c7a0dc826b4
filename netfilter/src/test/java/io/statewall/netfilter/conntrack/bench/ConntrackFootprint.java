package io.statewall.netfilter.conntrack.bench;

import io.statewall.netfilter.conntrack.CtConfig;
import io.statewall.netfilter.conntrack.CtEntry;
import io.statewall.netfilter.conntrack.ShardedConnTracker;
import io.statewall.netfilter.conntrack.TrackOptions;
import io.statewall.netfilter.packet.Packet;
import java.util.List;
import org.openjdk.jol.info.ClassLayout;
import org.openjdk.jol.info.GraphLayout;

/**
 * Bytes per tracked connection at 1,000,000 TCP connections: JOL's walk of the whole tracker
 * (entries, hash arrays, everything reachable) divided by the count, plus heap accounting.
 * Run: {@code java -cp ... io.statewall.netfilter.conntrack.bench.ConntrackFootprint [count]}.
 */
public final class ConntrackFootprint {
  private ConntrackFootprint() {}

  public static void main(String[] args) {
    int n = args.length > 0 ? Integer.parseInt(args[0]) : 1_000_000;
    System.out.println(ClassLayout.parseClass(CtEntry.class).toPrintable());
    Runtime rt = Runtime.getRuntime();
    System.gc();
    long before = rt.totalMemory() - rt.freeMemory();
    ShardedConnTracker ct = new ShardedConnTracker(CtConfig.defaults().withMaxEntries(n * 2), new BenchClock(), List.of());
    for (int i = 0; i < n; i++) {
      ct.confirm(ct.classify(ConntrackBenchmark.tcp(i, false, Packet.TCP_SYN, 100, 0), TrackOptions.NONE));
      ct.confirm(ct.classify(ConntrackBenchmark.tcp(i, true, Packet.TCP_SYN | Packet.TCP_ACK, 5000, 101), TrackOptions.NONE));
      ct.confirm(ct.classify(ConntrackBenchmark.tcp(i, false, Packet.TCP_ACK, 101, 5001), TrackOptions.NONE));
    }
    System.gc();
    long after = rt.totalMemory() - rt.freeMemory();
    System.out.printf("entries: %d%n", ct.stats().entries());
    System.out.printf("heap accounting: %.1f bytes/connection%n", (after - before) / (double) n);
    long graph = GraphLayout.parseInstance(ct).totalSize();
    System.out.printf("JOL graph walk: %.1f bytes/connection (%d bytes total)%n", graph / (double) n, graph);
  }
}
