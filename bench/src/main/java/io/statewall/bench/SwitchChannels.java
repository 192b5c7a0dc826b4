package io.statewall.bench;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.flush.FlushConsolidationHandler;
import java.time.Duration;

/** An emulated switch's connection to the controller, the same for every kind of emulated switch. */
final class SwitchChannels {
  private SwitchChannels() {}

  /** TCP to the controller without Nagle, giving up after {@code connectTimeout}. */
  static Bootstrap bootstrap(EventLoopGroup group, Duration connectTimeout) {
    return new Bootstrap()
        .group(group)
        .channel(NioSocketChannel.class)
        .option(ChannelOption.TCP_NODELAY, true)
        .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Math.min(Integer.MAX_VALUE, connectTimeout.toMillis()));
  }

  /** Flushes batched, OpenFlow framed and decoded (flow-mods and packet-outs read hot), then {@code sw}. */
  static ChannelInitializer<SocketChannel> pipeline(ChannelHandler sw) {
    return new ChannelInitializer<>() {
      @Override
      protected void initChannel(SocketChannel ch) {
        ch.pipeline()
            .addLast("flush", new FlushConsolidationHandler(256, true))
            .addLast("decoder", new OfMessageDecoder(true))
            .addLast("encoder", new OfMessageEncoder())
            .addLast("switch", sw);
      }
    };
  }
}
