package io.statewall.cluster.replication;

import io.statewall.netfilter.conntrack.CtEntry;
import io.statewall.netfilter.conntrack.CtSnapshot;
import io.statewall.netfilter.conntrack.CtTuple;
import io.statewall.netfilter.packet.IpAddress;
import org.openjdk.jol.info.GraphLayout;

/**
 * Bytes per replicated connection on a follower: one owner's side table filled with offloaded,
 * established IPv4 TCP connections as the owner's batches bring them (each replica built from its decoded
 * change), then JOL's graph walk of the table divided by the count. A benchmark, not a test.
 * Run: {@code java -Djol.magicFieldOffset=true -cp ... io.statewall.cluster.replication.ReplicaFootprint [count]}.
 */
public final class ReplicaFootprint {
  private ReplicaFootprint() {}

  public static void main(String[] args) {
    int n = args.length > 0 ? Integer.parseInt(args[0]) : 200_000;
    ReplicaTable table = new ReplicaTable(n);
    long now = System.currentTimeMillis();
    for (int i = 0; i < n; i++) {
      IpAddress client = IpAddress.v4(0x0A00_0000 | (i & 0xFFFF));
      IpAddress server = IpAddress.v4(0x0A01_0000 | ((i >>> 16) & 0xFF));
      CtTuple t = CtTuple.ports(client, server, 6, 1024 + (i % 50_000), 443);
      Change.Update u = new Change.Update(
          new CtSnapshot(t, CtEntry.SEEN_REPLY | CtEntry.ASSURED, 3, 431_999_000, null), 1 + (i & 15),
          0x5357_0000_0000_0000L | i, now);
      table.put("A", Replica.of(u.ct().original()), u, now);
    }
    long bytes = GraphLayout.parseInstance(table).totalSize();
    System.out.printf("replicas: %,d, side table: %,d bytes, %.1f bytes per replicated connection%n",
        table.sizes().get("A"), bytes, (double) bytes / n);
    System.out.println(GraphLayout.parseInstance(table).toFootprint().lines().limit(12)
        .reduce("", (a, b) -> a + b + "\n"));
  }
}
