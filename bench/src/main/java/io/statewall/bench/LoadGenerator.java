package io.statewall.bench;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.ChannelFuture;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.nio.NioEventLoopGroup;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import org.HdrHistogram.Histogram;

/**
 * Runs one measurement: connects the emulated switches to a controller on loopback, waits for the
 * handshake, warms up (hosts announced, links discovered, one probe connection per switch), then
 * keeps new connections outstanding for the configured time and reports rate and latency.
 *
 * <p>Every phase is bounded by a timeout; the run ends by itself, and ends with a
 * {@link BenchException} (everything closed) if the controller closes a connection, sends
 * something malformed, or never gets ready.
 */
public final class LoadGenerator {
  private static final long PROBE_RESEND_MS = 250;
  private static final long POLL_MS = 20;

  private final LoadConfig config;
  private final Failover.Plan failoverPlan;

  public LoadGenerator(LoadConfig config) {
    this(config, null);
  }

  /** A generator that, with a plan, kills a controller during the measurement (see {@link Failover}). */
  public LoadGenerator(LoadConfig config, Failover.Plan failoverPlan) {
    this.config = config;
    this.failoverPlan = failoverPlan;
  }

  /** Measures the controller at {@code controller}, which must be a loopback address. */
  public LoadResult run(InetSocketAddress controller, String label, Consumer<Progress> progress)
      throws BenchException, InterruptedException {
    return run(List.of(controller), label, progress);
  }

  /**
   * Measures {@code controllers} (loopback addresses), every switch connected to all of them: with
   * more than one, each switch applies roles as Open vSwitch does and sends its packet-ins to its
   * master only.
   */
  public LoadResult run(List<InetSocketAddress> controllers, String label, Consumer<Progress> progress)
      throws BenchException, InterruptedException {
    if (controllers.isEmpty()) {
      throw new BenchException("no controller to measure");
    }
    for (InetSocketAddress controller : controllers) {
      if (controller.getAddress() == null || !controller.getAddress().isLoopbackAddress()) {
        throw new BenchException("the load generator only sends to loopback, not " + controller);
      }
    }
    if (failoverPlan != null && failoverPlan.pids().size() != controllers.size()) {
      throw new BenchException("a failover needs one pid per controller: " + failoverPlan.pids().size()
          + " pids for " + controllers.size() + " controllers");
    }
    EmulatedNetwork network = config.network();
    SetupLedger ledger = new SetupLedger(config.expectation());
    SwitchFabric fabric = new SwitchFabric(network);
    List<EmulatedSwitch> switches = new ArrayList<>();
    CompletableFuture<Void> failure = new CompletableFuture<>();
    EventLoopGroup group = new NioEventLoopGroup(config.threads());
    try {
      Bootstrap bootstrap = SwitchChannels.bootstrap(group, config.handshakeTimeout());
      List<ChannelFuture> connects = new ArrayList<>();
      for (int s = 1; s <= network.switches(); s++) {
        EmulatedSwitch sw = new EmulatedSwitch(s, config, ledger, fabric);
        fabric.attach(s, sw);
        switches.add(sw);
        sw.closed().whenComplete((v, e) -> {
          if (e != null) {
            failure.completeExceptionally(e);
          }
        });
        EventLoop loop = group.next(); // one loop for all of a switch's connections: its state is not shared
        for (InetSocketAddress controller : controllers) {
          connects.add(bootstrap.clone(loop).handler(SwitchChannels.pipeline(sw.link(name(controller))))
              .connect(controller));
        }
      }
      long handshakeDeadline = System.nanoTime() + config.handshakeTimeout().toNanos();
      for (ChannelFuture c : connects) {
        if (!c.await(remainingMillis(handshakeDeadline)) || !c.isSuccess()) {
          throw new BenchException("cannot connect to the controller at " + c.channel().remoteAddress()
              + (c.cause() != null ? ": " + c.cause().getMessage() : " in time"));
        }
      }
      awaitOrFail(CompletableFuture.allOf(switches.stream().map(EmulatedSwitch::ready)
              .toArray(CompletableFuture[]::new)), failure, handshakeDeadline,
          "the switches' handshake did not complete within " + config.handshakeTimeout()
              + " (no table-miss entry or barrier?)");

      List<String> warnings = new ArrayList<>();
      warmUp(switches, fabric, ledger, failure, warnings);
      return measure(label, controllers, switches, ledger, failure, progress, warnings);
    } finally {
      switches.forEach(EmulatedSwitch::close);
      group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
    }
  }

  private void warmUp(List<EmulatedSwitch> switches, SwitchFabric fabric, SetupLedger ledger,
      CompletableFuture<Void> failure, List<String> warnings)
      throws BenchException, InterruptedException {
    long deadline = System.nanoTime() + config.warmup().toNanos();
    switches.forEach(EmulatedSwitch::announceHosts);
    if (config.awaitDiscovery() && !awaitCondition(fabric::everyLinkProbed, failure, deadline)) {
      warnings.add("warm-up: the controller did not send LLDP across every link within "
          + config.warmup());
    }
    // one probe per switch, resent until each has a completion or the warm-up time is over
    long nextProbe = 0;
    while (ledger.probesCompleted() < switches.size() && System.nanoTime() < deadline) {
      if (System.nanoTime() >= nextProbe) {
        switches.forEach(EmulatedSwitch::sendProbe);
        nextProbe = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(PROBE_RESEND_MS);
      }
      checkFailure(failure, POLL_MS);
    }
    if (ledger.probesCompleted() < switches.size()) {
      warnings.add("warm-up: not every switch got a probe connection set up within "
          + config.warmup() + " (" + ledger.probesCompleted() + " of " + switches.size() + ")");
    }
  }

  /** How the bench names a controller: HOST:PORT as given. */
  static String name(InetSocketAddress controller) {
    return controller.getHostString() + ":" + controller.getPort();
  }

  private LoadResult measure(String label, List<InetSocketAddress> controllers, List<EmulatedSwitch> switches,
      SetupLedger ledger, CompletableFuture<Void> failure, Consumer<Progress> progress, List<String> warnings)
      throws BenchException, InterruptedException {
    Histogram total = new Histogram(3);
    long rampEnd = System.nanoTime() + config.rampUp().toNanos();
    long end = rampEnd + config.duration().toNanos();
    int window = config.effectiveWindow();
    double perSwitch = config.ratePerSwitch();
    switches.forEach(sw -> sw.startLoad(window, perSwitch, end));
    while (System.nanoTime() < rampEnd) {
      checkFailure(failure, Math.max(1, TimeUnit.NANOSECONDS.toMillis(rampEnd - System.nanoTime())));
    }
    ledger.startRecording();
    long start = System.nanoTime();
    long lastCompleted = 0;
    long lastTick = start;
    int second = 0;
    long killAt = failoverPlan == null ? Long.MAX_VALUE : start + failoverPlan.after().toNanos();
    Kill kill = null;
    while (true) {
      long now = System.nanoTime();
      long nextTick = Math.min(Math.min(end, killAt), lastTick + TimeUnit.SECONDS.toNanos(1));
      if (now >= end) {
        break;
      }
      if (kill == null && now >= killAt) {
        kill = kill(controllers, switches);
        killAt = Long.MAX_VALUE;
        continue;
      }
      checkFailure(failure, Math.max(1, TimeUnit.NANOSECONDS.toMillis(nextTick - now)));
      now = System.nanoTime();
      if (now >= lastTick + TimeUnit.SECONDS.toNanos(1) && now < end) {
        Histogram interval = ledger.takeInterval();
        total.add(interval);
        long completed = ledger.completed();
        second++;
        double rate = (completed - lastCompleted) * 1e9 / (now - lastTick);
        double p99 = interval.getTotalCount() == 0 ? Double.NaN
            : interval.getValueAtPercentile(99) / 1_000.0;
        progress.accept(new Progress(label, second, rate, completed, p99, ledger.outstanding(),
            ledger.timedOut()));
        lastCompleted = completed;
        lastTick = now;
      }
    }
    long completed = ledger.completed();
    long denied = ledger.denied();
    long timedOut = ledger.timedOut();
    long elapsed = System.nanoTime() - start;
    ledger.stopRecording();
    total.add(ledger.takeInterval());
    switches.forEach(EmulatedSwitch::stopLoad);
    // let what is in flight settle so the controller is not cut mid-message; bounded by the timeout
    long drainDeadline = System.nanoTime() + config.connectionTimeout().toNanos();
    awaitCondition(() -> ledger.outstanding() == 0, failure, drainDeadline);
    if (timedOut > 0) {
      warnings.add(timedOut + " connections were not set up within " + config.connectionTimeout()
          + (controllers.size() > 1 ? " or given up when their switch's master changed" : ""));
    }
    LoadResult.Roles roles = new LoadResult.Roles(
        switches.stream().mapToLong(EmulatedSwitch::slaveWrites).sum(),
        switches.stream().mapToLong(EmulatedSwitch::staleRefused).sum(),
        switches.stream().mapToLong(EmulatedSwitch::masterChanges).sum(), controllers.size());
    if (roles.slaveWrites() > 0) {
      java.util.Map<String, Long> byType = new java.util.TreeMap<>();
      switches.forEach(sw -> sw.slaveWritesByType().forEach((t, n) -> byType.merge(t.name(), n, Long::sum)));
      warnings.add(roles.slaveWrites() + " flow-mods, packet-outs or other writes came from a controller "
          + "that was SLAVE at that switch (refused, as Open vSwitch does): errors " + byType);
    }
    if (failoverPlan != null && kill == null) {
      warnings.add("the run ended before the kill was due");
    }
    Optional<Failover> failover = Optional.ofNullable(kill).map(Kill::result);
    return new LoadResult(label, config.network().switches(), config.mode(), completed, denied,
        timedOut, Duration.ofNanos(elapsed), LatencySummary.of(total), warnings, roles, failover);
  }

  /** A kill done: whom, when, and the switches it mastered then. */
  private record Kill(String name, long pid, long atNanos, List<EmulatedSwitch> mastered) {
    Failover result() {
      List<OptionalLong> served = new ArrayList<>();
      for (EmulatedSwitch sw : mastered) {
        long t = sw.firstSetupAfterMark();
        served.add(t == 0 ? OptionalLong.empty() : OptionalLong.of(TimeUnit.NANOSECONDS.toMillis(t - atNanos)));
      }
      return new Failover(name, pid, mastered.stream().map(EmulatedSwitch::number).toList(), served);
    }
  }

  /**
   * Kills (SIGKILL, by pid) the controller that masters the most switches now, and marks its switches
   * so each remembers its first connection set up after the kill.
   */
  private Kill kill(List<InetSocketAddress> controllers, List<EmulatedSwitch> switches) throws BenchException {
    int victim = -1;
    List<EmulatedSwitch> mastered = List.of();
    for (int i = 0; i < controllers.size(); i++) {
      String n = name(controllers.get(i));
      List<EmulatedSwitch> its = switches.stream().filter(sw -> sw.master().filter(n::equals).isPresent()).toList();
      if (its.size() > mastered.size()) {
        victim = i;
        mastered = its;
      }
    }
    if (victim < 0) {
      throw new BenchException("no controller masters a switch: nothing to fail over");
    }
    long pid = failoverPlan.pids().get(victim);
    ProcessHandle process = ProcessHandle.of(pid)
        .orElseThrow(() -> new BenchException("no process " + pid + " to kill"));
    long at = System.nanoTime();
    mastered.forEach(sw -> sw.mark(at));
    if (!process.destroyForcibly()) {
      throw new BenchException("could not kill process " + pid);
    }
    return new Kill(name(controllers.get(victim)), pid, at, mastered);
  }

  /** Polls until the condition holds or the deadline passes; false on the deadline. */
  private static boolean awaitCondition(BooleanSupplier condition, CompletableFuture<Void> failure,
      long deadlineNanos) throws BenchException, InterruptedException {
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() >= deadlineNanos) {
        return false;
      }
      checkFailure(failure, POLL_MS);
    }
    return true;
  }

  private static void awaitOrFail(CompletableFuture<Void> goal, CompletableFuture<Void> failure,
      long deadlineNanos, String timeoutMessage) throws BenchException, InterruptedException {
    try {
      CompletableFuture.anyOf(goal, failure).get(remainingMillis(deadlineNanos),
          TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      throw new BenchException(timeoutMessage);
    } catch (ExecutionException e) {
      throw asBenchException(e.getCause());
    }
  }

  /** Waits up to {@code millis} for a failure, and throws it if one came. */
  private static void checkFailure(CompletableFuture<Void> failure, long millis)
      throws BenchException, InterruptedException {
    try {
      failure.get(millis, TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      return;
    } catch (ExecutionException e) {
      throw asBenchException(e.getCause());
    }
  }

  private static BenchException asBenchException(Throwable t) {
    return t instanceof BenchException b ? b : new BenchException(String.valueOf(t), t);
  }

  private static long remainingMillis(long deadlineNanos) {
    return Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadlineNanos - System.nanoTime()));
  }
}
