package io.statewall.controller.channel;

import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.timeout.IdleStateHandler;
import io.statewall.controller.ControllerConfig;
import io.statewall.controller.roles.WriteFence;
import io.statewall.controller.roles.WriteFenceHandler;
import io.statewall.controller.switches.SwitchDirectory;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/** The pipeline of one switch connection, from bytes (top) to apps (bottom). */
public final class OpenFlowChannelInitializer extends ChannelInitializer<Channel> {
  public static final String TLS = "tls";
  public static final String FRAME_DECODER = "frameDecoder";
  public static final String MESSAGE_ENCODER = "messageEncoder";
  public static final String WRITE_STALL = "writeStall";
  public static final String IDLE = "idle";
  public static final String ECHO = "echo";
  public static final String MALFORMED_FRAME = "malformedFrame";
  public static final String HANDSHAKE = "handshake";
  public static final String SWITCH = "switch";
  /** Only in a cluster: holds back a non-master's flow-mods and packet-outs (see docs/cluster.md). */
  public static final String WRITE_FENCE = "writeFence";

  private final Optional<SslContext> tls;
  private final ControllerConfig config;
  private final SwitchDirectory directory;
  private final Optional<WriteFence> fence;

  public OpenFlowChannelInitializer(
      Optional<SslContext> tls, Duration echoInterval, Duration handshakeTimeout, SwitchDirectory directory) {
    this(tls, echoInterval, handshakeTimeout, directory, ControllerConfig.FlowsOnConnect.CLEAR);
  }

  public OpenFlowChannelInitializer(Optional<SslContext> tls, Duration echoInterval, Duration handshakeTimeout,
      SwitchDirectory directory, ControllerConfig.FlowsOnConnect flowsOnConnect) {
    this(tls, ControllerConfig.defaults().withEchoInterval(echoInterval).withHandshakeTimeout(handshakeTimeout)
        .withFlowsOnConnect(flowsOnConnect), directory);
  }

  /** The pipeline {@code config} asks for; {@code tls} is its TLS files loaded (empty: plain TCP). */
  public OpenFlowChannelInitializer(Optional<SslContext> tls, ControllerConfig config, SwitchDirectory directory) {
    this(tls, config, directory, Optional.empty());
  }

  /** As above; with a {@code fence} (cluster members), writes only a confirmed master may send are held. */
  public OpenFlowChannelInitializer(Optional<SslContext> tls, ControllerConfig config, SwitchDirectory directory,
      Optional<WriteFence> fence) {
    this.tls = tls;
    this.config = config;
    this.directory = directory;
    this.fence = fence;
  }

  @Override
  protected void initChannel(Channel ch) {
    ConnectionInfo connection = new ConnectionInfo(ch.remoteAddress(), System.nanoTime());
    ChannelPipeline p = ch.pipeline();
    tls.ifPresent(ssl -> p.addLast(TLS, ssl.newHandler(ch.alloc())));
    p.addLast(FRAME_DECODER, new OpenFlowFrameDecoder(connection));
    p.addLast(MESSAGE_ENCODER, new OpenFlowMessageEncoder());
    p.addLast(WRITE_STALL, new WriteStallHandler(connection, config.limits().unwritableTimeout(), directory.stats()));
    p.addLast(IDLE, new IdleStateHandler(config.echoInterval().toMillis(), 0, 0, TimeUnit.MILLISECONDS));
    p.addLast(ECHO, new EchoHandler(connection));
    p.addLast(MALFORMED_FRAME, new MalformedFrameHandler(connection));
    p.addLast(HANDSHAKE, new HandshakeHandler(connection, config, directory));
    p.addLast(SWITCH, new SwitchChannelHandler(connection, directory));
    // last, so it sees what apps write through the switch handle and not what the handshake writes
    fence.ifPresent(f -> p.addLast(WRITE_FENCE, new WriteFenceHandler(connection::datapathId, f)));
  }
}
