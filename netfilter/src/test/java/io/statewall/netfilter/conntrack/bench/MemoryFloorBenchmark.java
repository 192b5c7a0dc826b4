package io.statewall.netfilter.conntrack.bench;

import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * The machine's floor for the conntrack lookup ratio: one dependent random read of a 176-byte
 * object (a connection's size) among 1,000 or 1,000,000. No table can beat the ratio this gives.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@State(Scope.Thread)
public class MemoryFloorBenchmark {

  /** Padding to a connection's size, so objects spread over the same memory. */
  static final class Blob {
    long a, b, c, d, e, f, g, h, i, j, k, l, m, n, o, p, q, r, s, t;
    int v;
  }

  @Param({"1000", "1000000"})
  int size;

  Blob[] blobs;
  int[] order;
  int pos;

  @Setup(Level.Trial)
  public void make() {
    Random r = new Random(3);
    blobs = new Blob[size];
    for (int i = 0; i < size; i++) {
      blobs[i] = new Blob();
      blobs[i].v = i;
    }
    order = new int[1 << 20];
    for (int i = 0; i < order.length; i++) {
      order[i] = r.nextInt(size);
    }
  }

  private final Object lock = new Object();

  /** Independent reads: the CPU overlaps the misses of successive operations. */
  @Benchmark
  public int randomRead() {
    return blobs[order[pos++ & (order.length - 1)]].v;
  }

  /** The same read under a monitor, as a thread-safe table must: the lock's fence serialises misses. */
  @Benchmark
  public int randomReadLocked() {
    synchronized (lock) {
      return blobs[order[pos++ & (order.length - 1)]].v;
    }
  }
}
