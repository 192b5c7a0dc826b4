package io.statewall.mininet.bench;

import io.statewall.mininet.Backend;
import io.statewall.mininet.MininetNetwork;
import io.statewall.mininet.Topology;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * Time from {@code start()} to a ready 3-host single-switch network (the target: under 10 s
 * once the image exists), per backend, against a baseline of spawning Debian's python and waiting for
 * it. One network per iteration; closing it is outside the measurement.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
public class NetworkStartBenchmark {

  private MininetNetwork network;

  @Benchmark
  public MininetNetwork startContainer() {
    network = MininetNetwork.builder().topology(Topology.single(3)).standalone()
        .backend(Backend.CONTAINER).start();
    return network;
  }

  @Benchmark
  public MininetNetwork startLocal() {
    network = MininetNetwork.builder().topology(Topology.single(3)).standalone()
        .backend(Backend.LOCAL).start();
    return network;
  }

  @Benchmark
  public int baselinePythonSpawn() throws Exception {
    return new ProcessBuilder("/usr/bin/python3", "-c", "import mininet.net").start().waitFor();
  }

  @TearDown(Level.Iteration)
  public void close() {
    if (network != null) {
      network.close();
      network = null;
    }
  }
}
