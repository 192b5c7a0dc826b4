package io.statewall.controller.channel;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.statewall.controller.ChannelStats;
import io.statewall.controller.logging.RateLimitedLog;
import io.statewall.controller.switches.ConnectedSwitch;
import io.statewall.controller.switches.SwitchDirectory;
import java.io.IOException;
import org.projectfloodlight.openflow.protocol.OFMessage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The last handler: hands a connected switch's lifecycle and messages to the {@link SwitchDirectory},
 * which routes them to pending requests and to the apps.
 */
public final class SwitchChannelHandler extends ChannelInboundHandlerAdapter {
  private static final Logger LOG = LoggerFactory.getLogger(SwitchChannelHandler.class);

  private final ConnectionInfo connection;
  private final SwitchDirectory directory;
  /** Failed writes each raise an exception here: one line per packet would be an amplifier. */
  private final RateLimitedLog errors = RateLimitedLog.info(LOG);
  private final RateLimitedLog unexpected = RateLimitedLog.error(LOG);
  private ConnectedSwitch sw;

  public SwitchChannelHandler(ConnectionInfo connection, SwitchDirectory directory) {
    this.connection = connection;
    this.directory = directory;
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
    if (evt instanceof HandshakeEvent.Connected connected) {
      if (directory.connected(connected.sw())) {
        sw = connected.sw();
      } else {
        LOG.warn("switch {}: refused: another live session took its datapath id during the handshake", connection);
        directory.stats().refused(ChannelStats.Refusal.LIVE_DUPLICATE);
        ctx.close();
      }
    } else if (evt instanceof HandshakeEvent.Ready ready) {
      if (sw == ready.sw()) {
        directory.ready(sw);
      }
    } else {
      ctx.fireUserEventTriggered(evt);
    }
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (sw != null && msg instanceof OFMessage message) {
      directory.received(sw, message);
    } else {
      LOG.debug("switch {}: dropping {} before the switch is known", connection, msg);
    }
  }

  @Override
  public void channelWritabilityChanged(ChannelHandlerContext ctx) {
    if (sw != null) {
      if (!ctx.channel().isWritable()) {
        LOG.debug("switch {}: send buffer above high-water mark", connection);
      }
      sw.writabilityChanged();
    }
    ctx.fireChannelWritabilityChanged();
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    if (sw != null) {
      directory.disconnected(sw);
    }
    ctx.fireChannelInactive();
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    if (cause instanceof IOException) {
      errors.log("switch {}: connection error: {}", connection, cause.getMessage());
    } else {
      unexpected.log("switch {}: unexpected error, disconnecting", connection, cause);
    }
    ctx.close();
  }
}
