package io.statewall.controller.switches;

import io.netty.channel.Channel;
import org.projectfloodlight.openflow.protocol.OFMessage;

/**
 * Writes to one switch without a syscall per message: messages are written unflushed, and one flush is
 * queued on the event loop behind them, so everything written during a loop turn leaves in one batch.
 * All state is touched on the channel's event loop only; other threads hand their writes over as one task.
 */
public final class BatchedWriter {
  private final Channel channel;
  private boolean flushQueued;

  public BatchedWriter(Channel channel) {
    this.channel = channel;
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
    channel.write(message, channel.voidPromise());
    if (!flushQueued) {
      flushQueued = true;
      channel.eventLoop().execute(this::flush);
    }
  }

  private void flush() {
    flushQueued = false;
    channel.flush();
  }
}
