package io.statewall.controller.switches;

import io.netty.channel.Channel;
import io.netty.channel.ChannelOutboundBuffer;
import io.statewall.controller.ChannelStats;
import io.statewall.controller.logging.RateLimitedLog;
import org.projectfloodlight.openflow.protocol.OFMessage;
import org.projectfloodlight.openflow.protocol.OFPacketOut;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes to one switch without a syscall per message: messages are written unflushed, and one flush is
 * queued on the event loop behind them, so everything written during a loop turn leaves in one batch.
 * All state is touched on the channel's event loop only; other threads hand their writes over as one task.
 *
 * <p>A switch that stops reading must not grow memory without bound: while its channel is unwritable
 * (above the high-water mark even after a flush, so the socket itself is full) packet-outs are dropped and counted (a packet-out is a packet, and the
 * network loses packets under load anyway); flow-mods and requests still queue, and a channel with more
 * than {@code maxQueuedBytes} queued is closed.
 */
public final class BatchedWriter {
  private static final Logger LOG = LoggerFactory.getLogger(BatchedWriter.class);

  private final Channel channel;
  private final Object name;
  private final ChannelStats stats;
  private final long maxQueuedBytes;
  private final RateLimitedLog log;
  private boolean flushQueued;

  public BatchedWriter(Channel channel) {
    this(channel, channel, new ChannelStats(), Long.MAX_VALUE, RateLimitedLog.warn(LOG));
  }

  /** {@code name} names the switch in log lines (its toString is read only when logging). */
  public BatchedWriter(Channel channel, Object name, ChannelStats stats, long maxQueuedBytes, RateLimitedLog log) {
    this.channel = channel;
    this.name = name;
    this.stats = stats;
    this.maxQueuedBytes = maxQueuedBytes;
    this.log = log;
  }

  public void write(OFMessage message) {
    if (channel.eventLoop().inEventLoop()) {
      writeInLoop(message);
    } else {
      channel.eventLoop().execute(() -> writeInLoop(message));
    }
  }

  public void write(Iterable<? extends OFMessage> messages) {
    if (channel.eventLoop().inEventLoop()) {
      writeAllInLoop(messages);
    } else {
      channel.eventLoop().execute(() -> writeAllInLoop(messages));
    }
  }

  private void writeAllInLoop(Iterable<? extends OFMessage> messages) {
    for (OFMessage message : messages) {
      writeInLoop(message);
    }
  }

  private void writeInLoop(OFMessage message) {
    if (!channel.isActive()) {
      return;
    }
    if (message instanceof OFPacketOut && !channel.isWritable() && !flushedToWritable()) {
      stats.dropped(ChannelStats.Limit.UNWRITABLE);
      log.log("switch {}: not reading (send buffer full): dropping packet-outs", name);
      return;
    }
    channel.write(message, channel.voidPromise());
    ChannelOutboundBuffer queued = channel.unsafe().outboundBuffer();
    if (queued != null && queued.totalPendingWriteBytes() > maxQueuedBytes) {
      stats.disconnected(ChannelStats.Limit.QUEUED_BYTES);
      LOG.warn("switch {}: more than {} bytes queued for it and not read: disconnecting",
          name, maxQueuedBytes);
      channel.close();
      return;
    }
    if (!flushQueued) {
      flushQueued = true;
      channel.eventLoop().execute(this::flush);
    }
  }

  /**
   * Flushes now and tells whether that made the channel writable again. Above the mark may be only
   * this loop turn's own batch (the flush is queued behind it): a switch that reads everything at once
   * lost answers in the bench's handshake mode so, each a connection timing out.
   * What the socket does not take at once is a switch that stopped reading.
   */
  private boolean flushedToWritable() {
    channel.flush();
    return channel.isWritable();
  }

  private void flush() {
    flushQueued = false;
    channel.flush();
  }
}
