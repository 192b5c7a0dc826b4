package io.statewall.controller.switches;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.DefaultEventLoopGroup;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.local.LocalAddress;
import io.netty.channel.local.LocalChannel;
import io.netty.channel.local.LocalServerChannel;
import io.statewall.controller.channel.OpenFlowMessageEncoder;
import io.statewall.controller.testing.SwitchMessages;
import io.netty.channel.ChannelOption;
import io.netty.channel.WriteBufferWaterMark;
import io.statewall.controller.ChannelStats;
import io.statewall.controller.logging.RateLimitedLog;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.projectfloodlight.openflow.protocol.OFFactory;
import org.projectfloodlight.openflow.protocol.OFVersion;
import org.projectfloodlight.openflow.types.OFBufferId;
import org.projectfloodlight.openflow.types.OFPort;
import org.slf4j.LoggerFactory;

/** On a real event loop (EmbeddedChannel runs queued tasks on every write, so it cannot show batching). */
class BatchedWriterTest {
  private static final OFFactory F = SwitchMessages.factory(OFVersion.OF_13);
  private final EventLoopGroup group = new DefaultEventLoopGroup(1);

  @AfterEach
  void stop() {
    group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
  }

  @Test
  void writesOfOneLoopTurnLeaveInOneFlush() throws Exception {
    int messages = 50;
    CountDownLatch arrived = new CountDownLatch(messages * 8);
    LocalAddress address = new LocalAddress("batched-writer-" + System.nanoTime());
    new ServerBootstrap().group(group).channel(LocalServerChannel.class)
        .childHandler(new ChannelInboundHandlerAdapter() {
          @Override
          public void channelRead(ChannelHandlerContext ctx, Object msg) {
            io.netty.buffer.ByteBuf buf = (io.netty.buffer.ByteBuf) msg;
            for (int i = 0; i < buf.readableBytes(); i++) {
              arrived.countDown();
            }
            buf.release();
          }
        })
        .bind(address).sync();
    AtomicInteger flushes = new AtomicInteger();
    Channel client = new Bootstrap().group(group).channel(LocalChannel.class)
        .handler(new ChannelInitializer<Channel>() {
          @Override
          protected void initChannel(Channel ch) {
            ch.pipeline().addLast(new ChannelOutboundHandlerAdapter() {
              @Override
              public void flush(ChannelHandlerContext ctx) {
                flushes.incrementAndGet();
                ctx.flush();
              }
            });
            ch.pipeline().addLast(new OpenFlowMessageEncoder());
          }
        })
        .connect(address).sync().channel();
    BatchedWriter writer = new BatchedWriter(client);

    client.eventLoop().submit(() -> {
      for (int i = 0; i < messages; i++) {
        writer.write(F.buildEchoRequest().setXid(i + 1).build());
      }
    }).sync();

    assertThat(arrived.await(5, TimeUnit.SECONDS)).as("all %d echo requests arrive", messages).isTrue();
    assertThat(flushes).hasValue(1);
  }

  @Test
  void aBatchAboveTheHighWaterMarkOfASwitchThatReadsLosesNoPacketOut() throws Exception {
    int messages = 200; // 200 KB in one loop turn, the mark at 16 KB: unwritable until flushed
    AtomicInteger bytes = new AtomicInteger();
    CountDownLatch arrived = new CountDownLatch(1);
    LocalAddress address = new LocalAddress("batched-writer-mark-" + System.nanoTime());
    byte[] frame = new byte[1_000];
    new ServerBootstrap().group(group).channel(LocalServerChannel.class)
        .childHandler(new ChannelInboundHandlerAdapter() {
          @Override
          public void channelRead(ChannelHandlerContext ctx, Object msg) {
            io.netty.buffer.ByteBuf buf = (io.netty.buffer.ByteBuf) msg;
            if (bytes.addAndGet(buf.readableBytes()) >= messages * frame.length) {
              arrived.countDown();
            }
            buf.release();
          }
        })
        .bind(address).sync();
    Channel client = new Bootstrap().group(group).channel(LocalChannel.class)
        .option(ChannelOption.WRITE_BUFFER_WATER_MARK, new WriteBufferWaterMark(8 * 1024, 16 * 1024))
        .handler(new OpenFlowMessageEncoder())
        .connect(address).sync().channel();
    ChannelStats stats = new ChannelStats();
    BatchedWriter writer = new BatchedWriter(client, "s1", stats, Long.MAX_VALUE,
        RateLimitedLog.warn(LoggerFactory.getLogger(BatchedWriterTest.class)));

    client.eventLoop().submit(() -> {
      for (int i = 0; i < messages; i++) {
        writer.write(F.buildPacketOut().setXid(i + 1).setBufferId(OFBufferId.NO_BUFFER)
            .setInPort(OFPort.CONTROLLER).setActions(List.of(F.actions().output(OFPort.of(1), 0)))
            .setData(frame).build());
      }
    }).sync();

    assertThat(arrived.await(5, TimeUnit.SECONDS)).as("all %d packet-outs arrive", messages).isTrue();
    assertThat(stats.droppedCount(ChannelStats.Limit.UNWRITABLE)).isZero();
  }
}
