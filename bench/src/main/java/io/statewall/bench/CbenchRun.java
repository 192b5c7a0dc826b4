package io.statewall.bench;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.ChannelFuture;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.nio.NioEventLoopGroup;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

/**
 * Drives a controller with {@link CbenchSwitch}es for a while and counts its answers: whether, and
 * how fast, a controller answers switches that behave like the emulators controller benchmarks use.
 */
public final class CbenchRun {
  private static final long CONNECT_TIMEOUT_MS = 10_000;

  private final CbenchConfig config;

  public CbenchRun(CbenchConfig config) {
    this.config = config;
  }

  /** What one run counted in its measured interval. */
  public record Result(String label, double packetInsPerSecond, double answersPerSecond, double lostPerSecond) {
    /** Answers per packet-in sent (0 when the controller answered nothing). */
    public double answeredShare() {
      return packetInsPerSecond == 0 ? 0 : answersPerSecond / packetInsPerSecond;
    }
  }

  /** Runs against {@code controller}, which must be on loopback. */
  public Result run(InetSocketAddress controller, String label) throws BenchException, InterruptedException {
    if (controller.getAddress() == null || !controller.getAddress().isLoopbackAddress()) {
      throw new BenchException("the switch emulator only sends to loopback, not " + controller);
    }
    LongAdder sent = new LongAdder();
    LongAdder answered = new LongAdder();
    LongAdder lost = new LongAdder();
    List<CbenchSwitch> switches = new ArrayList<>();
    List<ChannelFuture> channels = new ArrayList<>();
    EventLoopGroup group = new NioEventLoopGroup(1);
    try {
      Bootstrap bootstrap = SwitchChannels.bootstrap(group, Duration.ofMillis(CONNECT_TIMEOUT_MS));
      for (int s = 1; s <= config.switches(); s++) {
        CbenchSwitch sw = new CbenchSwitch(s, config, sent, answered, lost);
        switches.add(sw);
        channels.add(bootstrap.clone().handler(SwitchChannels.pipeline(sw)).connect(controller));
      }
      for (ChannelFuture c : channels) {
        if (!c.await(CONNECT_TIMEOUT_MS) || !c.isSuccess()) {
          throw new BenchException("cannot connect to the controller at " + controller
              + (c.cause() != null ? ": " + c.cause().getMessage() : " in time"));
        }
      }
      long start = System.nanoTime();
      long end = start + config.rampUp().toNanos() + config.duration().toNanos();
      switches.forEach(sw -> sw.stopAt(end));
      TimeUnit.NANOSECONDS.sleep(config.rampUp().toNanos()); // load runs; nothing to await but time
      long sent0 = sent.sum();
      long answered0 = answered.sum();
      long lost0 = lost.sum();
      long t0 = System.nanoTime();
      TimeUnit.NANOSECONDS.sleep(Math.max(0, end - t0));
      double seconds = (System.nanoTime() - t0) / 1e9;
      return new Result(label, (sent.sum() - sent0) / seconds, (answered.sum() - answered0) / seconds,
          (lost.sum() - lost0) / seconds);
    } finally {
      for (ChannelFuture c : channels) {
        c.channel().close();
      }
      group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
    }
  }
}
