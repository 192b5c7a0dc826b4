package io.statewall.controller.channel;

import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import java.util.Optional;
import io.statewall.controller.logging.RateLimitedLog;
import org.projectfloodlight.openflow.protocol.OFErrorMsg;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Logs malformed frames (at most one line per 10 s, then a count), naming the switch and the stream offset, answers with the OpenFlow error
 * the spec asks for, and closes the connection only when the framing is lost.
 */
public final class MalformedFrameHandler extends SimpleChannelInboundHandler<MalformedFrame> {
  private static final Logger LOG = LoggerFactory.getLogger(MalformedFrameHandler.class);

  private final ConnectionInfo connection;
  /** A peer can send malformed frames as fast as it likes: one line per frame would be an amplifier. */
  private final RateLimitedLog warnings = RateLimitedLog.warn(LOG);

  public MalformedFrameHandler(ConnectionInfo connection) {
    super(MalformedFrame.class);
    this.connection = connection;
  }

  @Override
  protected void channelRead0(ChannelHandlerContext ctx, MalformedFrame frame) {
    warnings.log("switch {}: malformed OpenFlow frame: {}", connection, frame);
    Optional<OFErrorMsg> reply =
        ctx.channel().isActive() ? ErrorReplies.forMalformed(frame, connection.version()) : Optional.empty();
    if (frame.problem() == MalformedFrame.Problem.FRAMING_LOST) {
      if (reply.isPresent()) {
        ctx.writeAndFlush(reply.get()).addListener(ChannelFutureListener.CLOSE);
      } else {
        ctx.close();
      }
    } else {
      reply.ifPresent(ctx::writeAndFlush);
    }
  }
}
