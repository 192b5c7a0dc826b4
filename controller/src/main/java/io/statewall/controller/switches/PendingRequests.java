package io.statewall.controller.switches;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.projectfloodlight.openflow.protocol.OFErrorMsg;
import org.projectfloodlight.openflow.protocol.OFMessage;
import org.projectfloodlight.openflow.protocol.OFStatsReply;
import org.projectfloodlight.openflow.protocol.OFStatsReplyFlags;

/**
 * Requests sent to one switch that still wait for their reply, by xid. Multipart replies are collected
 * until the part without REPLY_MORE (or streamed to a consumer part by part); an error with a pending
 * xid fails that request.
 */
final class PendingRequests {
  private sealed interface Pending permits Single, Multipart, Stream {
    CompletableFuture<?> future();
  }

  private record Single(CompletableFuture<OFMessage> future) implements Pending {}

  private record Multipart(CompletableFuture<List<OFStatsReply>> future, List<OFStatsReply> parts)
      implements Pending {}

  /** A multipart reply handed on part by part; counts the parts. */
  private static final class Stream implements Pending {
    private final CompletableFuture<Integer> future = new CompletableFuture<>();
    private final Consumer<OFStatsReply> eachPart;
    private int parts;

    Stream(Consumer<OFStatsReply> eachPart) {
      this.eachPart = eachPart;
    }

    @Override
    public CompletableFuture<Integer> future() {
      return future;
    }
  }

  private final ConcurrentHashMap<Long, Pending> byXid = new ConcurrentHashMap<>();
  private final Duration timeout;

  PendingRequests(Duration timeout) {
    this.timeout = timeout;
  }

  @SuppressWarnings("unchecked")
  <R extends OFMessage> CompletableFuture<R> expectReply(long xid) {
    CompletableFuture<OFMessage> future = new CompletableFuture<>();
    register(xid, new Single(future));
    return (CompletableFuture<R>) (CompletableFuture<?>) future;
  }

  @SuppressWarnings("unchecked")
  <R extends OFStatsReply> CompletableFuture<List<R>> expectParts(long xid) {
    CompletableFuture<List<OFStatsReply>> future = new CompletableFuture<>();
    register(xid, new Multipart(future, new ArrayList<>()));
    return (CompletableFuture<List<R>>) (CompletableFuture<?>) future;
  }

  @SuppressWarnings("unchecked")
  <R extends OFStatsReply> CompletableFuture<Integer> expectStream(long xid, Consumer<? super R> eachPart) {
    Stream stream = new Stream(part -> eachPart.accept((R) part));
    register(xid, stream);
    return stream.future();
  }

  private void register(long xid, Pending pending) {
    if (byXid.putIfAbsent(xid, pending) != null) {
      throw new IllegalStateException("xid " + xid + " is already waiting for a reply");
    }
    pending.future().orTimeout(timeout.toMillis(), TimeUnit.MILLISECONDS);
    pending.future().whenComplete((r, e) -> byXid.remove(xid, pending));
  }

  /** Completes the request this reply answers; false when no request waits for its xid. */
  boolean complete(OFMessage reply) {
    Pending pending = byXid.get(reply.getXid());
    if (pending == null) {
      return false;
    }
    if (pending instanceof Single single) {
      single.future().complete(reply);
    } else if (pending instanceof Multipart multi) {
      if (!(reply instanceof OFStatsReply part)) {
        multi.future().completeExceptionally(
            new IllegalStateException("expected a multipart reply, got " + reply.getType()));
        return true;
      }
      multi.parts().add(part); // parts of one xid arrive on one event loop, in order
      if (!part.getFlags().contains(OFStatsReplyFlags.REPLY_MORE)) {
        multi.future().complete(List.copyOf(multi.parts()));
      }
    } else if (pending instanceof Stream stream) {
      if (!(reply instanceof OFStatsReply part)) {
        stream.future().completeExceptionally(
            new IllegalStateException("expected a multipart reply, got " + reply.getType()));
        return true;
      }
      if (stream.future().isDone()) {
        return true; // timed out or failed: the rest of the parts go nowhere
      }
      stream.parts++;
      try {
        stream.eachPart.accept(part);
      } catch (RuntimeException e) {
        stream.future().completeExceptionally(e);
        return true;
      }
      if (!part.getFlags().contains(OFStatsReplyFlags.REPLY_MORE)) {
        stream.future().complete(stream.parts);
      }
    }
    return true;
  }

  /** Fails the request this error answers; false when no request waits for its xid. */
  boolean fail(OFErrorMsg error, String switchName) {
    Pending pending = byXid.get(error.getXid());
    if (pending == null) {
      return false;
    }
    pending.future().completeExceptionally(new SwitchErrorException(switchName, error));
    return true;
  }

  void failAll(Throwable cause) {
    for (Pending pending : List.copyOf(byXid.values())) {
      pending.future().completeExceptionally(cause);
    }
  }

  int size() {
    return byXid.size();
  }
}
