package io.statewall.apps.main;

import io.statewall.bench.BenchPolicy;
import io.statewall.bench.InProcessController;
import io.statewall.netfilter.conntrack.CtConfig;
import io.statewall.netfilter.conntrack.CtStats;
import io.statewall.firewall.Firewall;
import io.statewall.firewall.FirewallApp;
import io.statewall.controller.Controller;
import io.statewall.controller.ControllerConfig;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * The real statewall controller (the apps of {@link FirewallAssembler}) started inside the bench
 * process on a free loopback port with the event loops it is given, with a generated policy of N rules ({@link BenchPolicy}) in a
 * temporary directory that {@link #close()} removes.
 */
public final class InProcessFirewall implements InProcessController {
  /**
   * Conntrack holds this many before early drop: a whole-connection run of 20 s at 60,000/s filled
   * 1,200,000 and early drop then timed connections out, which measured the limit, not the controller.
   */
  public static final int MAX_TRACKED = 4_000_000;
  private static final long POLICY_SEED = BenchPolicy.SEED;

  private Controller controller;
  private FirewallAssembler assembler;
  private Path dir;

  @Override
  public synchronized InetSocketAddress start(int rules, int workerThreads) throws Exception {
    dir = Files.createTempDirectory("statewall-bench-");
    Path policy = BenchPolicy.write(dir, rules, POLICY_SEED);
    assembler = new FirewallAssembler(Firewall.DecisionListener.NONE,
        CtConfig.defaults().withMaxEntries(MAX_TRACKED));
    ControllerConfig config = new ControllerConfig("127.0.0.1", 0, Optional.empty(),
        ControllerConfig.DEFAULT_ECHO_INTERVAL, Duration.ofSeconds(10), workerThreads);
    controller = new Controller(config, assembler.assemble(policy));
    return controller.start();
  }

  /** The running firewall (for tests that change its policy under load); null before start. */
  public synchronized FirewallApp firewall() {
    return assembler == null ? null : assembler.firewall();
  }

  /** The directory holding the generated policy and its rule files; null before start. */
  public synchronized Path directory() {
    return dir;
  }

  @Override
  public synchronized Optional<Footprint> footprint() {
    if (assembler == null || assembler.firewall() == null) {
      return Optional.empty();
    }
    CtStats stats = assembler.firewall().tracker().stats();
    long allocated = switchThreadsAllocated();
    System.gc(); // the live set, not what garbage happens to be waiting
    long heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    long dropped = controller == null ? -1
        : controller.channelStats().droppedCount(io.statewall.controller.ChannelStats.Limit.UNWRITABLE);
    return Optional.of(new Footprint(stats.entries(), heap, dropped, allocated));
  }

  /**
   * Bytes allocated so far by the controller's switch threads (its event loops, which the bench's
   * load runs on; they start with the controller), or -1 when this JVM does not count them.
   */
  static long switchThreadsAllocated() {
    if (!(ManagementFactory.getThreadMXBean() instanceof com.sun.management.ThreadMXBean threads)
        || !threads.isThreadAllocatedMemorySupported() || !threads.isThreadAllocatedMemoryEnabled()) {
      return -1;
    }
    long total = 0;
    for (ThreadInfo t : threads.getThreadInfo(threads.getAllThreadIds())) {
      if (t != null && t.getThreadName().startsWith(Controller.SWITCH_THREAD_NAME)) {
        long bytes = threads.getThreadAllocatedBytes(t.getThreadId());
        if (bytes > 0) {
          total += bytes;
        }
      }
    }
    return total;
  }

  @Override
  public synchronized void close() {
    if (controller != null) {
      controller.close();
      controller = null;
    }
    assembler = null;
    if (dir != null) {
      try (Stream<Path> files = Files.walk(dir)) {
        files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      } catch (IOException e) {
        // a temporary directory left behind is not worth failing a finished run
      }
      dir = null;
    }
  }
}
