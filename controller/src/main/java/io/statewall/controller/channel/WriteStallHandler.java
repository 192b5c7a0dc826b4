package io.statewall.controller.channel;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.concurrent.ScheduledFuture;
import io.statewall.controller.ChannelStats;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Drops a switch that stops reading: once its send buffer goes above the high-water mark, it has
 * {@code timeout} to drain below the low mark again, or the connection is closed. Meanwhile the
 * switch is not read (its packet-ins wait in its own socket, as TCP's flow control intends, instead
 * of being judged into answers that cannot be sent), and the writer drops the packet-outs of what was
 * read already (see BatchedWriter), so what queues is bounded by the flow-mod rate times the timeout.
 */
public final class WriteStallHandler extends ChannelInboundHandlerAdapter {
  private static final Logger LOG = LoggerFactory.getLogger(WriteStallHandler.class);

  private final ConnectionInfo connection;
  private final Duration timeout;
  private final ChannelStats stats;
  private ScheduledFuture<?> deadline;

  public WriteStallHandler(ConnectionInfo connection, Duration timeout, ChannelStats stats) {
    this.connection = connection;
    this.timeout = timeout;
    this.stats = stats;
  }

  @Override
  public void channelWritabilityChanged(ChannelHandlerContext ctx) {
    // a closed-loop load (the bench's window, a host's retransmissions) once lost every answer read
    // in the same turn as the high-water mark was crossed: each a connection timing out in 2 s
    ctx.channel().config().setAutoRead(ctx.channel().isWritable());
    if (ctx.channel().isWritable()) {
      cancel();
    } else if (deadline == null) {
      deadline = ctx.executor().schedule(() -> stalled(ctx), timeout.toNanos(), TimeUnit.NANOSECONDS);
    }
    ctx.fireChannelWritabilityChanged();
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    cancel();
    ctx.fireChannelInactive();
  }

  private void stalled(ChannelHandlerContext ctx) {
    deadline = null;
    if (ctx.channel().isActive() && !ctx.channel().isWritable()) {
      LOG.warn("switch {}: has not read what the controller sent for {}: disconnecting", connection, timeout);
      stats.disconnected(ChannelStats.Limit.UNWRITABLE);
      ctx.close();
    }
  }

  private void cancel() {
    if (deadline != null) {
      deadline.cancel(false);
      deadline = null;
    }
  }
}
