package io.statewall.controller.bench;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.statewall.controller.channel.OpenFlowMessageEncoder;
import io.statewall.controller.switches.BatchedWriter;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
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
import org.openjdk.jmh.annotations.TearDown;
import org.projectfloodlight.openflow.protocol.OFFactories;
import org.projectfloodlight.openflow.protocol.OFFactory;
import org.projectfloodlight.openflow.protocol.OFFlowAdd;
import org.projectfloodlight.openflow.protocol.OFVersion;
import org.projectfloodlight.openflow.protocol.match.MatchField;
import org.projectfloodlight.openflow.types.EthType;
import org.projectfloodlight.openflow.types.IPv4Address;
import org.projectfloodlight.openflow.types.IpProtocol;
import org.projectfloodlight.openflow.types.OFPort;
import org.projectfloodlight.openflow.types.TransportPort;

/**
 * What a listener's burst of flow-mods costs on a real loopback TCP connection: one flush per message
 * (writeAndFlush) against {@link BatchedWriter}'s one flush per event-loop turn. Time is per burst,
 * from the first write until the receiving side has every byte.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class WriteBatchingBenchmark {
  @Param({"1", "8", "64"})
  public int burst;

  private EventLoopGroup group;
  private Channel client;
  private BatchedWriter batched;
  private final List<OFFlowAdd> flowMods = new ArrayList<>();
  private int burstBytes;
  private volatile Receiver receiver;

  /** Counts bytes arriving at the far end and completes when the burst is all there. */
  private static final class Receiver {
    final CompletableFuture<Void> done = new CompletableFuture<>();
    long remaining;

    Receiver(long expected) {
      remaining = expected;
    }
  }

  @Setup(Level.Trial)
  public void connect() throws Exception {
    group = new NioEventLoopGroup(2);
    Channel server = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
        .childHandler(new ChannelInboundHandlerAdapter() {
          @Override
          public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ByteBuf buf = (ByteBuf) msg;
            Receiver r = receiver;
            r.remaining -= buf.readableBytes();
            buf.release();
            if (r.remaining <= 0) {
              r.done.complete(null);
            }
          }
        })
        .bind("127.0.0.1", 0).sync().channel();
    client = new Bootstrap().group(group).channel(NioSocketChannel.class)
        .option(ChannelOption.TCP_NODELAY, true)
        .handler(new OpenFlowMessageEncoder())
        .connect((InetSocketAddress) server.localAddress()).sync().channel();
    batched = new BatchedWriter(client);
    OFFactory f = OFFactories.getFactory(OFVersion.OF_13);
    for (int i = 0; i < burst; i++) {
      OFFlowAdd add = f.buildFlowAdd()
          .setPriority(100)
          .setIdleTimeout(60)
          .setMatch(f.buildMatch()
              .setExact(MatchField.IN_PORT, OFPort.of(1))
              .setExact(MatchField.ETH_TYPE, EthType.IPv4)
              .setExact(MatchField.IPV4_SRC, IPv4Address.of(0x0a000001))
              .setExact(MatchField.IPV4_DST, IPv4Address.of(0x0a000002))
              .setExact(MatchField.IP_PROTO, IpProtocol.TCP)
              .setExact(MatchField.TCP_SRC, TransportPort.of(40000 + i))
              .setExact(MatchField.TCP_DST, TransportPort.of(80))
              .build())
          .setActions(List.of(f.actions().output(OFPort.of(2), 0)))
          .build();
      flowMods.add(add);
      io.netty.buffer.ByteBuf sizing = io.netty.buffer.Unpooled.buffer();
      add.writeTo(sizing);
      burstBytes += sizing.readableBytes();
      sizing.release();
    }
  }

  @TearDown(Level.Trial)
  public void close() {
    client.close().syncUninterruptibly();
    group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
  }

  private void awaitBurst(Runnable writes) throws Exception {
    Receiver r = new Receiver(burstBytes);
    receiver = r;
    client.eventLoop().execute(writes); // as a listener would: inside one event-loop task
    r.done.get(10, TimeUnit.SECONDS);
  }

  @Benchmark
  public void flushEachMessage() throws Exception {
    awaitBurst(() -> flowMods.forEach(client::writeAndFlush));
  }

  @Benchmark
  public void flushOncePerLoopTurn() throws Exception {
    awaitBurst(() -> flowMods.forEach(batched::write));
  }
}
