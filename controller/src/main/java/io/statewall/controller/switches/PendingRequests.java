package io.statewall.controller.switches;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.projectfloodlight.openflow.protocol.OFErrorMsg;
import org.projectfloodlight.openflow.protocol.OFMessage;
import org.projectfloodlight.openflow.protocol.OFStatsReply;
import org.projectfloodlight.openflow.protocol.OFStatsReplyFlags;

/**
 * Requests sent to one switch that still wait for their reply, by xid. Multipart replies are collected
 * until the part without REPLY_MORE (or streamed to a consumer part by part); an error with a pending
 * xid fails that request. Bounded: at most {@code maxPending} requests wait at once (more fail at
 * once), and a collected multipart reply may have at most {@code maxParts} parts (more fail it): the
 * switch decides how many parts it sends, and a collected reply is held whole.
 */
final class PendingRequests {
  private sealed interface Pending permits Single, Multipart {
    CompletableFuture<?> future();
  }

  private record Single(CompletableFuture<OFMessage> future) implements Pending {}

  /**
   * A multipart reply: each part handed to {@code eachPart} as it arrives (parts of one xid arrive
   * on one event loop, in order), the future completed with {@code result} after the last part.
   */
  private static final class Multipart<T> implements Pending {
    private final CompletableFuture<T> future = new CompletableFuture<>();
    private final Consumer<OFStatsReply> eachPart;
    private final Supplier<T> result;
    private final int maxParts;
    private int parts;

    Multipart(Consumer<OFStatsReply> eachPart, Supplier<T> result, int maxParts) {
      this.eachPart = eachPart;
      this.result = result;
      this.maxParts = maxParts;
    }

    @Override
    public CompletableFuture<T> future() {
      return future;
    }
  }

  private final ConcurrentHashMap<Long, Pending> byXid = new ConcurrentHashMap<>();
  private final Duration timeout;
  private final int maxPending;
  private final int maxParts;

  PendingRequests(Duration timeout) {
    this(timeout, Integer.MAX_VALUE, Integer.MAX_VALUE);
  }

  PendingRequests(Duration timeout, int maxPending, int maxParts) {
    this.timeout = timeout;
    this.maxPending = maxPending;
    this.maxParts = maxParts;
  }

  @SuppressWarnings("unchecked")
  <R extends OFMessage> CompletableFuture<R> expectReply(long xid) {
    CompletableFuture<OFMessage> future = new CompletableFuture<>();
    register(xid, new Single(future));
    return (CompletableFuture<R>) (CompletableFuture<?>) future;
  }

  @SuppressWarnings("unchecked")
  <R extends OFStatsReply> CompletableFuture<List<R>> expectParts(long xid) {
    List<OFStatsReply> parts = new ArrayList<>();
    Multipart<List<OFStatsReply>> multi = new Multipart<>(parts::add, () -> List.copyOf(parts), maxParts);
    register(xid, multi);
    return (CompletableFuture<List<R>>) (CompletableFuture<?>) multi.future();
  }

  @SuppressWarnings("unchecked")
  <R extends OFStatsReply> CompletableFuture<Integer> expectStream(long xid, Consumer<? super R> eachPart) {
    int[] parts = new int[1];
    Multipart<Integer> stream = new Multipart<>(part -> {
      parts[0]++;
      eachPart.accept((R) part);
    }, () -> parts[0], Integer.MAX_VALUE);
    register(xid, stream);
    return stream.future();
  }

  private void register(long xid, Pending pending) {
    if (byXid.size() >= maxPending) {
      pending.future().completeExceptionally(new RequestLimitException(
          "too many requests waiting for this switch's replies (limit " + maxPending + ")"));
      return;
    }
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
    } else if (pending instanceof Multipart<?> multi) {
      part(multi, reply);
    }
    return true;
  }

  private static <T> void part(Multipart<T> multi, OFMessage reply) {
    if (!(reply instanceof OFStatsReply part)) {
      multi.future().completeExceptionally(
          new IllegalStateException("expected a multipart reply, got " + reply.getType()));
      return;
    }
    if (multi.future().isDone()) {
      return; // timed out or failed: the rest of the parts go nowhere
    }
    if (++multi.parts > multi.maxParts) {
      multi.future().completeExceptionally(new RequestLimitException(
          "multipart reply of more than " + multi.maxParts + " parts (each up to 64 KiB): not collected"));
      return;
    }
    try {
      multi.eachPart.accept(part);
    } catch (RuntimeException e) {
      multi.future().completeExceptionally(e);
      return;
    }
    if (!part.getFlags().contains(OFStatsReplyFlags.REPLY_MORE)) {
      multi.future().complete(multi.result.get());
    }
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
