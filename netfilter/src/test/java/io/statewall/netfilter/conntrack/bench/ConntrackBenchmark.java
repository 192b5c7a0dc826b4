package io.statewall.netfilter.conntrack.bench;

import io.statewall.netfilter.conntrack.CtConfig;
import io.statewall.netfilter.conntrack.CtLookup;
import io.statewall.netfilter.conntrack.ShardedConnTracker;
import io.statewall.netfilter.conntrack.TrackOptions;
import io.statewall.netfilter.packet.IpAddress;
import io.statewall.netfilter.packet.Packet;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Threads;

/**
 * Conntrack speed: classify of an established TCP connection at 1,000 and 1,000,000 connections
 * (random order, so the big table misses the caches as real traffic would), and new-connection
 * insert with expiry in steady state. Throughput in operations per second.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class ConntrackBenchmark {

  static Packet tcp(int i, boolean reply, int flags, long seq, long ack) {
    IpAddress c = IpAddress.v4(0x0A000000 | (i >>> 8));
    IpAddress s = IpAddress.v4(0xC0A80001);
    int cport = 1024 + (i & 0xFF) * 200 + 7;
    Packet.Builder b = Packet.builder();
    if (reply) {
      b.addresses(s, c).tcp(80, cport, flags);
    } else {
      b.addresses(c, s).tcp(cport, 80, flags);
    }
    return b.seq(seq).ack(ack).window(65535).ipLength(40).build();
  }

  /** A table of {@code size} established, assured connections and an ACK for each. */
  @State(Scope.Benchmark)
  public static class Established {
    @Param({"1000", "1000000"})
    int size;

    /** uniform: every connection equally likely (worst case); zipf: P(rank k) ~ 1/k, as real traffic. */
    @Param({"uniform", "zipf"})
    String pattern;

    ShardedConnTracker ct;
    int[] order;

    @Setup(Level.Trial)
    public void fill() {
      ct = new ShardedConnTracker(CtConfig.defaults().withMaxEntries(size * 2), new BenchClock(), List.of());
      for (int i = 0; i < size; i++) {
        confirm(tcp(i, false, Packet.TCP_SYN, 100, 0));
        confirm(tcp(i, true, Packet.TCP_SYN | Packet.TCP_ACK, 5000, 101));
        confirm(tcp(i, false, Packet.TCP_ACK, 101, 5001));
      }
      int[] perm = new int[size];
      java.util.Random r = new java.util.Random(1);
      for (int i = 0; i < size; i++) {
        perm[i] = i;
      }
      for (int i = size - 1; i > 0; i--) {
        int j = r.nextInt(i + 1);
        int t = perm[i];
        perm[i] = perm[j];
        perm[j] = t;
      }
      order = new int[1 << 20];
      double logSize = Math.log(size);
      for (int i = 0; i < order.length; i++) {
        int rank = pattern.equals("zipf")
            ? Math.min(size - 1, (int) Math.exp(r.nextDouble() * logSize) - 1) : r.nextInt(size);
        order[i] = perm[rank];
      }
    }

    private void confirm(Packet p) {
      ct.confirm(ct.classify(p, TrackOptions.NONE));
    }
  }

  /** Per-thread position in the random order. */
  @State(Scope.Thread)
  public static class Cursor {
    int i;
  }

  @Benchmark
  public CtLookup establishedLookup(Established t, Cursor c) {
    // A fresh packet per lookup, as the parser makes one per packet-in: only the table is measured.
    int k = t.order[c.i++ & (t.order.length - 1)];
    return t.ct.classify(tcp(k, false, Packet.TCP_ACK, 101, 5001), TrackOptions.NONE);
  }

  @Benchmark
  @Threads(2)
  public CtLookup establishedLookup2Threads(Established t, Cursor c) {
    // A fresh packet per lookup, as the parser makes one per packet-in: only the table is measured.
    int k = t.order[c.i++ & (t.order.length - 1)];
    return t.ct.classify(tcp(k, false, Packet.TCP_ACK, 101, 5001), TrackOptions.NONE);
  }

  /** 16 lookups per call through classifyAll, which overlaps their cache misses. */
  @Benchmark
  @OperationsPerInvocation(16)
  public CtLookup[] establishedLookupBatch16(Established t, Cursor c) {
    Packet[] batch = new Packet[16];
    for (int j = 0; j < 16; j++) {
      int k = t.order[c.i++ & (t.order.length - 1)];
      batch[j] = tcp(k, false, Packet.TCP_ACK, 101, 5001);
    }
    return t.ct.classifyAll(batch, BATCH_OPTIONS);
  }

  private static final TrackOptions[] BATCH_OPTIONS = new TrackOptions[16];

  static {
    java.util.Arrays.fill(BATCH_OPTIONS, TrackOptions.NONE);
  }

  /** Steady state: every op adds a UDP connection, 1 ms passes, 30 s later it expires. */
  @State(Scope.Thread)
  public static class Churn {
    ShardedConnTracker ct;
    BenchClock clock;
    int n;

    @Setup(Level.Trial)
    public void make() {
      clock = new BenchClock();
      ct = new ShardedConnTracker(CtConfig.defaults().withMaxEntries(1 << 20), clock, List.of());
    }
  }

  @Benchmark
  public Object newInsertAndExpire(Churn s) {
    int i = s.n++;
    Packet p = Packet.builder()
        .addresses(IpAddress.v4(0x0A000000 | (i >>> 12)), IpAddress.v4(0xC0A80001))
        .udp(1024 + (i & 0xFFF), 53).ipLength(60).build();
    CtLookup l = s.ct.classify(p, TrackOptions.NONE);
    s.ct.confirm(l);
    s.clock.millis++;
    if ((i & 63) == 0) {
      s.ct.collectExpired(256);
    }
    return l;
  }
}
