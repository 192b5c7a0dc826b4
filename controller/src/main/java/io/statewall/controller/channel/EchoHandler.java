package io.statewall.controller.channel;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.timeout.IdleState;
import io.netty.handler.timeout.IdleStateEvent;
import org.projectfloodlight.openflow.protocol.OFEchoReply;
import org.projectfloodlight.openflow.protocol.OFEchoRequest;
import org.projectfloodlight.openflow.protocol.OFFactories;
import org.projectfloodlight.openflow.protocol.OFVersion;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the connection alive: answers the switch's echo requests, sends one of its own when the switch has
 * been silent for an idle interval, and drops a switch still silent one interval later. Relies on an
 * IdleStateHandler before it for the reader-idle events.
 */
public final class EchoHandler extends ChannelInboundHandlerAdapter {
  private static final Logger LOG = LoggerFactory.getLogger(EchoHandler.class);

  private final ConnectionInfo connection;
  private long keepaliveXid = -1;

  public EchoHandler(ConnectionInfo connection) {
    this.connection = connection;
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (msg instanceof OFEchoRequest request) {
      OFEchoReply reply =
          OFFactories.getFactory(request.getVersion())
              .buildEchoReply()
              .setXid(request.getXid())
              .setData(request.getData())
              .build();
      ctx.writeAndFlush(reply);
    } else if (!(msg instanceof OFEchoReply reply) || reply.getXid() != keepaliveXid) {
      ctx.fireChannelRead(msg); // other echo replies answer an app's request
    }
    // the reply to our keepalive needs no handling: its arrival already reset the idle timer
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
    if (!(evt instanceof IdleStateEvent idle) || idle.state() != IdleState.READER_IDLE) {
      ctx.fireUserEventTriggered(evt);
      return;
    }
    if (!idle.isFirst()) {
      LOG.warn("switch {}: no answer to echo request, disconnecting", connection);
      ctx.close();
      return;
    }
    OFVersion version = connection.version().orElse(null);
    if (version == null) {
      LOG.warn("switch {}: no hello received, disconnecting", connection);
      ctx.close();
      return;
    }
    LOG.debug("switch {}: idle, sending echo request", connection);
    keepaliveXid = connection.nextXid();
    ctx.writeAndFlush(OFFactories.getFactory(version).buildEchoRequest().setXid(keepaliveXid).build());
  }
}
