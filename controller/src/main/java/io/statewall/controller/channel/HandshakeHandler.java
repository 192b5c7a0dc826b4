package io.statewall.controller.channel;

import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.concurrent.ScheduledFuture;
import io.statewall.controller.ControllerConfig;
import io.statewall.controller.switches.ConnectedSwitch;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.projectfloodlight.openflow.protocol.OFBarrierReply;
import org.projectfloodlight.openflow.protocol.OFErrorMsg;
import org.projectfloodlight.openflow.protocol.OFFactories;
import org.projectfloodlight.openflow.protocol.OFFactory;
import org.projectfloodlight.openflow.protocol.OFFeaturesReply;
import org.projectfloodlight.openflow.protocol.OFHello;
import org.projectfloodlight.openflow.protocol.OFMessage;
import org.projectfloodlight.openflow.protocol.OFPortDesc;
import org.projectfloodlight.openflow.protocol.OFPortDescStatsReply;
import org.projectfloodlight.openflow.protocol.OFStatsReplyFlags;
import org.projectfloodlight.openflow.protocol.OFVersion;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Brings a new connection to a ready switch: hello and version negotiation, features, port descriptions,
 * then set-config, delete all flows (unless told to keep them), the table-miss entry and a barrier. Fires {@link HandshakeEvent}s,
 * and leaves the pipeline once the switch is ready. A switch not ready within the timeout is dropped.
 */
public final class HandshakeHandler extends ChannelInboundHandlerAdapter {
  private static final Logger LOG = LoggerFactory.getLogger(HandshakeHandler.class);

  /** Where the handshake is; each state names what it waits for. */
  enum State {
    WAIT_HELLO,
    WAIT_FEATURES,
    WAIT_PORT_DESC,
    WAIT_BARRIER,
    READY
  }

  private final ConnectionInfo connection;
  private final Duration timeout;
  private State state = State.WAIT_HELLO;
  private OFFactory factory;
  private OFFeaturesReply features;
  private final List<OFPortDesc> ports = new ArrayList<>();
  private ConnectedSwitch sw;
  private long barrierXid;
  private final Set<Long> essentialXids = new HashSet<>();
  private ScheduledFuture<?> timeoutTask;
  private final ControllerConfig.FlowsOnConnect flowsOnConnect;

  public HandshakeHandler(ConnectionInfo connection, Duration timeout) {
    this(connection, timeout, ControllerConfig.FlowsOnConnect.CLEAR);
  }

  public HandshakeHandler(ConnectionInfo connection, Duration timeout, ControllerConfig.FlowsOnConnect flowsOnConnect) {
    this.connection = connection;
    this.timeout = timeout;
    this.flowsOnConnect = flowsOnConnect;
  }

  State state() {
    return state;
  }

  @Override
  public void channelActive(ChannelHandlerContext ctx) {
    timeoutTask =
        ctx.executor().schedule(() -> timedOut(ctx), timeout.toNanos(), TimeUnit.NANOSECONDS);
    ctx.writeAndFlush(VersionNegotiation.hello(connection.nextXid()));
    ctx.fireChannelActive();
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    cancelTimeout();
    if (state != State.READY) {
      LOG.info("switch {}: closed during handshake ({})", connection, state);
    }
    ctx.fireChannelInactive();
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (!(msg instanceof OFMessage message)) {
      ctx.fireChannelRead(msg);
      return;
    }
    switch (state) {
      case WAIT_HELLO -> onHello(ctx, message);
      case WAIT_FEATURES -> onFeatures(ctx, message);
      case WAIT_PORT_DESC -> onPortDesc(ctx, message);
      case WAIT_BARRIER -> onBarrier(ctx, message);
      case READY -> ctx.fireChannelRead(msg);
    }
  }

  private void onHello(ChannelHandlerContext ctx, OFMessage message) {
    if (!(message instanceof OFHello hello)) {
      unexpected(ctx, message);
      return;
    }
    Optional<OFVersion> negotiated = VersionNegotiation.negotiate(hello);
    if (negotiated.isEmpty()) {
      String why = "no common OpenFlow version: we speak " + VersionNegotiation.SUPPORTED
          + ", the switch sent a " + hello.getVersion() + " hello " + hello;
      LOG.warn("switch {}: {}; sending HELLO_FAILED and disconnecting", connection, why);
      ctx.writeAndFlush(ErrorReplies.helloFailed(hello.getVersion(), hello.getXid(), why))
          .addListener(ChannelFutureListener.CLOSE);
      state = State.READY; // nothing more to negotiate; ignore what arrives before the close
      cancelTimeout();
      return;
    }
    connection.version(negotiated.get());
    factory = OFFactories.getFactory(negotiated.get());
    LOG.debug("switch {}: negotiated {}", connection, negotiated.get());
    state = State.WAIT_FEATURES;
    ctx.writeAndFlush(factory.buildFeaturesRequest().setXid(connection.nextXid()).build());
  }

  private void onFeatures(ChannelHandlerContext ctx, OFMessage message) {
    if (!(message instanceof OFFeaturesReply reply)) {
      unexpected(ctx, message);
      return;
    }
    features = reply;
    connection.datapathId(reply.getDatapathId());
    if (factory.getVersion() == OFVersion.OF_10) {
      ports.addAll(reply.getPorts());
      connected(ctx);
    } else {
      state = State.WAIT_PORT_DESC;
      ctx.writeAndFlush(factory.buildPortDescStatsRequest().setXid(connection.nextXid()).build());
    }
  }

  private void onPortDesc(ChannelHandlerContext ctx, OFMessage message) {
    if (!(message instanceof OFPortDescStatsReply reply)) {
      unexpected(ctx, message);
      return;
    }
    ports.addAll(reply.getEntries());
    if (!reply.getFlags().contains(OFStatsReplyFlags.REPLY_MORE)) {
      connected(ctx);
    }
  }

  private void connected(ChannelHandlerContext ctx) {
    sw = new ConnectedSwitch(ctx.channel(), connection, factory, features, ports);
    state = State.WAIT_BARRIER;
    ctx.fireUserEventTriggered(new HandshakeEvent.Connected(sw));
    // keeping needs cookie masks to tell an app's entries apart later: 1.0 has none, so it is cleared
    boolean clear = flowsOnConnect == ControllerConfig.FlowsOnConnect.CLEAR || factory.getVersion() == OFVersion.OF_10;
    long deleteXid = clear ? connection.nextXid() : -1;
    long tableMissXid = connection.nextXid();
    barrierXid = connection.nextXid();
    essentialXids.add(tableMissXid);
    ctx.write(HandshakeMessages.setConfig(factory, connection.nextXid()));
    if (clear) {
      essentialXids.add(deleteXid);
      ctx.write(HandshakeMessages.deleteAllFlows(factory, deleteXid));
    } else {
      LOG.info("switch {}: keeping its flow entries (the apps reconcile them)", connection);
    }
    ctx.write(HandshakeMessages.tableMiss(factory, tableMissXid));
    ctx.writeAndFlush(HandshakeMessages.barrier(factory, barrierXid));
  }

  private void onBarrier(ChannelHandlerContext ctx, OFMessage message) {
    if (message instanceof OFErrorMsg error && essentialXids.contains(error.getXid())) {
      LOG.error("switch {}: rejected the flow table setup (xid {}): {}; disconnecting",
          connection, error.getXid(), error);
      ctx.close();
      return;
    }
    if (!(message instanceof OFBarrierReply reply) || reply.getXid() != barrierXid) {
      ctx.fireChannelRead(message); // the switch is connected: apps may see what it sends meanwhile
      return;
    }
    state = State.READY;
    cancelTimeout();
    long micros = (System.nanoTime() - connection.connectedNanos()) / 1_000;
    LOG.info("switch {}: ready, OpenFlow {}, handshake took {} ms", connection, factory.getVersion(),
        String.format("%.1f", micros / 1000.0));
    ctx.fireUserEventTriggered(new HandshakeEvent.Ready(sw));
    ctx.pipeline().remove(this);
  }

  private void unexpected(ChannelHandlerContext ctx, OFMessage message) {
    if (message instanceof OFErrorMsg error) {
      LOG.warn("switch {}: error during handshake ({}), xid {}: {}; disconnecting",
          connection, state, error.getXid(), error);
      ctx.close();
      return;
    }
    LOG.debug("switch {}: ignoring {} while in {}", connection, message.getType(), state);
  }

  private void timedOut(ChannelHandlerContext ctx) {
    if (state != State.READY) {
      LOG.warn("switch {}: handshake not finished after {} (stuck in {}), disconnecting",
          connection, timeout, state);
      ctx.close();
    }
  }

  private void cancelTimeout() {
    if (timeoutTask != null) {
      timeoutTask.cancel(false);
    }
  }
}
