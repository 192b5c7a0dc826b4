package io.statewall.bench;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.ChannelFuture;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.nio.NioEventLoopGroup;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
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

  public LoadGenerator(LoadConfig config) {
    this.config = config;
  }

  /** Measures the controller at {@code controller}, which must be a loopback address. */
  public LoadResult run(InetSocketAddress controller, String label, Consumer<Progress> progress)
      throws BenchException, InterruptedException {
    if (controller.getAddress() == null || !controller.getAddress().isLoopbackAddress()) {
      throw new BenchException("the load generator only sends to loopback, not " + controller);
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
        connects.add(bootstrap.clone().handler(SwitchChannels.pipeline(sw)).connect(controller));
      }
      long handshakeDeadline = System.nanoTime() + config.handshakeTimeout().toNanos();
      for (ChannelFuture c : connects) {
        if (!c.await(remainingMillis(handshakeDeadline)) || !c.isSuccess()) {
          throw new BenchException("cannot connect to the controller at " + controller
              + (c.cause() != null ? ": " + c.cause().getMessage() : " in time"));
        }
      }
      awaitOrFail(CompletableFuture.allOf(switches.stream().map(EmulatedSwitch::ready)
              .toArray(CompletableFuture[]::new)), failure, handshakeDeadline,
          "the switches' handshake did not complete within " + config.handshakeTimeout()
              + " (no table-miss entry or barrier?)");

      List<String> warnings = new ArrayList<>();
      warmUp(switches, fabric, ledger, failure, warnings);
      return measure(label, switches, ledger, failure, progress, warnings);
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

  private LoadResult measure(String label, List<EmulatedSwitch> switches, SetupLedger ledger,
      CompletableFuture<Void> failure, Consumer<Progress> progress, List<String> warnings)
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
    while (true) {
      long now = System.nanoTime();
      long nextTick = Math.min(end, lastTick + TimeUnit.SECONDS.toNanos(1));
      if (now >= end) {
        break;
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
      warnings.add(timedOut + " connections were not set up within " + config.connectionTimeout());
    }
    return new LoadResult(label, config.network().switches(), config.mode(), completed, denied,
        timedOut, Duration.ofNanos(elapsed), LatencySummary.of(total), warnings);
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
