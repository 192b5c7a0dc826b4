package io.statewall.controller.switches;

import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import org.projectfloodlight.openflow.protocol.OFBarrierReply;
import org.projectfloodlight.openflow.protocol.OFFactory;
import org.projectfloodlight.openflow.protocol.OFFeaturesReply;
import org.projectfloodlight.openflow.protocol.OFMessage;
import org.projectfloodlight.openflow.protocol.OFPortDesc;
import org.projectfloodlight.openflow.protocol.OFRequest;
import org.projectfloodlight.openflow.protocol.OFStatsReply;
import org.projectfloodlight.openflow.protocol.OFStatsRequest;
import org.projectfloodlight.openflow.protocol.OFVersion;
import org.projectfloodlight.openflow.types.DatapathId;
import org.projectfloodlight.openflow.types.OFPort;

/** One connected switch as apps see it: what it is, and how to talk to it. Thread-safe. */
public interface SwitchHandle {
  DatapathId id();

  OFVersion version();

  OFFactory factory();

  OFFeaturesReply features();

  /** The switch's ports as last described by port-desc or port-status messages. */
  Collection<OFPortDesc> ports();

  Optional<OFPortDesc> port(OFPort number);

  boolean isConnected();

  /** Connected, flow table cleared (or kept, as configured) and the table-miss entry confirmed by a barrier. */
  boolean isReady();

  /**
   * False while the switch's send buffer is above its high-water mark: writes still queue, but an app
   * with much to send should wait for {@link #whenWritable()} instead of piling up memory.
   */
  boolean isWritable();

  /** Completes when the send buffer has drained below its low-water mark (or the switch is gone). */
  CompletableFuture<Void> whenWritable();

  /**
   * Queues a message; writes are flushed once per event-loop turn. Never blocks. Dropped silently once
   * the switch is disconnected (a switch listener hears of that).
   */
  void write(OFMessage message);

  void write(Iterable<? extends OFMessage> messages);

  /**
   * Sends a request (renumbered with a fresh xid) and completes with its reply, or exceptionally with
   * {@link SwitchErrorException}, {@link SwitchDisconnectedException} or a timeout. Completion runs on
   * the switch's event loop: callbacks must not block.
   */
  <R extends OFMessage> CompletableFuture<R> request(OFRequest<R> request);

  /** Sends a multipart request and completes with every part of the reply, in order. */
  <R extends OFStatsReply> CompletableFuture<List<R>> requestStats(OFStatsRequest<R> request);

  /**
   * Sends a multipart request and hands each part of the reply to {@code eachPart} as it arrives
   * (on the switch's event loop, in order), so a reply of a million flows is never held whole;
   * completes with the number of parts. This default collects them first: for fakes.
   */
  default <R extends OFStatsReply> CompletableFuture<Integer> streamStats(OFStatsRequest<R> request,
      Consumer<? super R> eachPart) {
    return requestStats(request).thenApply(parts -> {
      parts.forEach(eachPart);
      return parts.size();
    });
  }

  CompletableFuture<OFBarrierReply> barrier();

  /** Closes the connection. */
  void disconnect();
}
