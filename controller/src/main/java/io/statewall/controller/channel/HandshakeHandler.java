package io.statewall.controller.channel;

import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.concurrent.ScheduledFuture;
import io.statewall.controller.ChannelLimits;
import io.statewall.controller.ChannelStats;
import io.statewall.controller.ControllerConfig;
import io.statewall.controller.SwitchAdmission;
import io.statewall.controller.logging.RateLimitedLog;
import io.statewall.controller.switches.ConnectedSwitch;
import io.statewall.controller.switches.SwitchDirectory;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLPeerUnverifiedException;
import org.projectfloodlight.openflow.protocol.OFBarrierReply;
import org.projectfloodlight.openflow.protocol.OFErrorMsg;
import org.projectfloodlight.openflow.protocol.OFFactories;
import org.projectfloodlight.openflow.protocol.OFFactory;
import org.projectfloodlight.openflow.protocol.OFFeaturesReply;
import org.projectfloodlight.openflow.protocol.OFHello;
import org.projectfloodlight.openflow.protocol.OFMessage;
import org.projectfloodlight.openflow.protocol.OFPacketIn;
import org.projectfloodlight.openflow.protocol.OFPortDesc;
import org.projectfloodlight.openflow.protocol.OFPortDescStatsReply;
import org.projectfloodlight.openflow.protocol.OFStatsReplyFlags;
import org.projectfloodlight.openflow.protocol.OFVersion;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Brings a new connection to a ready switch: hello and version negotiation, features, admission of its
 * datapath id (allow-list, TLS certificate, no live session with the same id), port descriptions, then
 * set-config, delete all flows (unless told to keep them), the table-miss entry and a barrier. Fires
 * {@link HandshakeEvent}s, and leaves the pipeline once the switch is ready. A switch not ready within
 * the timeout is dropped.
 *
 * <p>The peer is not trusted yet, so what it can make this handler hold is bounded ({@link
 * ChannelLimits}): ports and port-desc parts (over them: disconnected), and packet-ins sent before the
 * switch is ready, which are held in a small queue and delivered to the apps right after it is ready
 * (over it: dropped and counted).
 */
public final class HandshakeHandler extends ChannelInboundHandlerAdapter {
  private static final Logger LOG = LoggerFactory.getLogger(HandshakeHandler.class);

  /** Where the handshake is; each state names what it waits for. */
  enum State {
    WAIT_HELLO,
    WAIT_FEATURES,
    WAIT_ADMISSION,
    WAIT_PORT_DESC,
    WAIT_BARRIER,
    READY
  }

  private final ConnectionInfo connection;
  private final Duration timeout;
  private final ChannelLimits limits;
  private final SwitchAdmission admission;
  private final SwitchDirectory directory;
  private final ChannelStats stats;
  private final RateLimitedLog warnings = RateLimitedLog.warn(LOG);
  private final Queue<OFPacketIn> early = new ArrayDeque<>();
  private int earlyBytes;
  private int portDescParts;
  private State state = State.WAIT_HELLO;
  private OFFactory factory;
  private OFFeaturesReply features;
  private final List<OFPortDesc> ports = new ArrayList<>();
  private ConnectedSwitch sw;
  private long barrierXid;
  private final Set<Long> essentialXids = new HashSet<>();
  private ScheduledFuture<?> timeoutTask;
  private final ControllerConfig.FlowsOnConnect flowsOnConnect;

  public HandshakeHandler(ConnectionInfo connection, ControllerConfig config, SwitchDirectory directory) {
    this.connection = connection;
    this.timeout = config.handshakeTimeout();
    this.flowsOnConnect = config.flowsOnConnect();
    this.limits = config.limits();
    this.admission = config.admission();
    this.directory = directory;
    this.stats = directory.stats();
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
    early.clear();
    ctx.fireChannelInactive();
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (!(msg instanceof OFMessage message)) {
      ctx.fireChannelRead(msg);
      return;
    }
    if (message instanceof OFPacketIn packetIn && state != State.WAIT_HELLO && state != State.READY) {
      hold(packetIn);
      return;
    }
    switch (state) {
      case WAIT_HELLO -> onHello(ctx, message);
      case WAIT_FEATURES -> onFeatures(ctx, message);
      case WAIT_ADMISSION -> unexpected(ctx, message);
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
    SslHandler tls = ctx.pipeline().get(SslHandler.class);
    Optional<ChannelStats.Refusal> refusal =
        admission.check(reply.getDatapathId(), peerCertificate(tls), tls != null);
    if (refusal.isPresent()) {
      refuse(ctx, refusal.get());
      return;
    }
    state = State.WAIT_ADMISSION;
    directory.claim(reply.getDatapathId(), limits.identityProbeTimeout()).whenComplete((free, error) ->
        ctx.executor().execute(() -> admitted(ctx, error == null && free)));
  }

  private void admitted(ChannelHandlerContext ctx, boolean free) {
    if (!ctx.channel().isActive() || state != State.WAIT_ADMISSION) {
      return;
    }
    if (!free) {
      refuse(ctx, ChannelStats.Refusal.LIVE_DUPLICATE);
      return;
    }
    if (factory.getVersion() == OFVersion.OF_10) {
      if (!addPorts(ctx, features.getPorts())) {
        return;
      }
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
    if (++portDescParts > limits.maxHandshakeParts()) {
      overLimit(ctx, ChannelStats.Limit.MULTIPART_PARTS,
          "port description of more than " + limits.maxHandshakeParts() + " parts");
      return;
    }
    if (!addPorts(ctx, reply.getEntries())) {
      return;
    }
    if (!reply.getFlags().contains(OFStatsReplyFlags.REPLY_MORE)) {
      connected(ctx);
    }
  }

  private boolean addPorts(ChannelHandlerContext ctx, List<OFPortDesc> more) {
    if (ports.size() + more.size() > limits.maxPorts()) {
      overLimit(ctx, ChannelStats.Limit.PORTS, "more than " + limits.maxPorts() + " ports");
      return false;
    }
    ports.addAll(more);
    return true;
  }

  private void overLimit(ChannelHandlerContext ctx, ChannelStats.Limit limit, String what) {
    LOG.warn("switch {}: {} in its handshake: disconnecting", connection, what);
    stats.disconnected(limit);
    finish(ctx);
  }

  private void refuse(ChannelHandlerContext ctx, ChannelStats.Refusal why) {
    String reason = switch (why) {
      case LIVE_DUPLICATE -> "a live switch (it answered an echo) already has this datapath id";
      case NOT_ALLOWED -> "its datapath id is not on the allow-list";
      case CERTIFICATE -> "its TLS certificate does not name this datapath id";
    };
    LOG.warn("switch {}: refused: {}", connection, reason);
    stats.refused(why);
    finish(ctx);
  }

  /** Stops the handshake for good: nothing read after this is acted on, and the channel closes. */
  private void finish(ChannelHandlerContext ctx) {
    state = State.READY;
    cancelTimeout();
    early.clear();
    ctx.close();
  }

  private static Optional<X509Certificate> peerCertificate(SslHandler tls) {
    if (tls == null) {
      return Optional.empty();
    }
    try {
      Certificate[] chain = tls.engine().getSession().getPeerCertificates();
      return chain.length > 0 && chain[0] instanceof X509Certificate x ? Optional.of(x) : Optional.empty();
    } catch (SSLPeerUnverifiedException e) {
      return Optional.empty();
    }
  }

  /** A packet-in before the switch is ready: kept for the apps, within the bounds. */
  private void hold(OFPacketIn packetIn) {
    int size = packetIn.getData().length;
    if (early.size() >= limits.maxEarlyPacketIns() || earlyBytes + size > limits.maxEarlyPacketInBytes()) {
      stats.dropped(ChannelStats.Limit.EARLY_PACKET_INS);
      warnings.log("switch {}: packet-ins before its handshake ended fill the queue ({} packets, {} bytes): "
          + "dropping", connection, limits.maxEarlyPacketIns(), limits.maxEarlyPacketInBytes());
      return;
    }
    early.add(packetIn);
    earlyBytes += size;
  }

  private void connected(ChannelHandlerContext ctx) {
    sw = new ConnectedSwitch(ctx.channel(), new HandshakeResult(connection, factory, features, ports), limits, stats);
    state = State.WAIT_BARRIER;
    ctx.fireUserEventTriggered(new HandshakeEvent.Connected(sw));
    if (!ctx.channel().isActive()) {
      return; // refused by the directory: another session took the id meanwhile
    }
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
    OFPacketIn held;
    while ((held = early.poll()) != null) {
      stats.earlyPacketInDelivered();
      ctx.fireChannelRead(held);
    }
    earlyBytes = 0;
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
