package io.statewall.controller.channel;

import io.statewall.controller.ControllerConfig;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.Channel;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.timeout.IdleStateHandler;
import io.statewall.controller.switches.SwitchDirectory;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/** The pipeline of one switch connection, from bytes (top) to apps (bottom). */
public final class OpenFlowChannelInitializer extends ChannelInitializer<Channel> {
  public static final String TLS = "tls";
  public static final String FRAME_DECODER = "frameDecoder";
  public static final String MESSAGE_ENCODER = "messageEncoder";
  public static final String IDLE = "idle";
  public static final String ECHO = "echo";
  public static final String MALFORMED_FRAME = "malformedFrame";
  public static final String HANDSHAKE = "handshake";
  public static final String SWITCH = "switch";

  private final Optional<SslContext> tls;
  private final Duration echoInterval;
  private final Duration handshakeTimeout;
  private final SwitchDirectory directory;
  private final ControllerConfig.FlowsOnConnect flowsOnConnect;

  public OpenFlowChannelInitializer(
      Optional<SslContext> tls, Duration echoInterval, Duration handshakeTimeout, SwitchDirectory directory) {
    this(tls, echoInterval, handshakeTimeout, directory, ControllerConfig.FlowsOnConnect.CLEAR);
  }

  public OpenFlowChannelInitializer(Optional<SslContext> tls, Duration echoInterval, Duration handshakeTimeout,
      SwitchDirectory directory, ControllerConfig.FlowsOnConnect flowsOnConnect) {
    this.flowsOnConnect = flowsOnConnect;
    this.tls = tls;
    this.echoInterval = echoInterval;
    this.handshakeTimeout = handshakeTimeout;
    this.directory = directory;
  }

  @Override
  protected void initChannel(Channel ch) {
    ConnectionInfo connection = new ConnectionInfo(ch.remoteAddress(), System.nanoTime());
    ChannelPipeline p = ch.pipeline();
    tls.ifPresent(ssl -> p.addLast(TLS, ssl.newHandler(ch.alloc())));
    p.addLast(FRAME_DECODER, new OpenFlowFrameDecoder(connection));
    p.addLast(MESSAGE_ENCODER, new OpenFlowMessageEncoder());
    p.addLast(IDLE, new IdleStateHandler(echoInterval.toMillis(), 0, 0, TimeUnit.MILLISECONDS));
    p.addLast(ECHO, new EchoHandler(connection));
    p.addLast(MALFORMED_FRAME, new MalformedFrameHandler(connection));
    p.addLast(HANDSHAKE, new HandshakeHandler(connection, handshakeTimeout, flowsOnConnect));
    p.addLast(SWITCH, new SwitchChannelHandler(connection, directory));
  }
}
