package io.statewall.controller.switches;

import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
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

  /** Queues a message; writes are flushed once per event-loop turn. Never blocks. */
  void write(OFMessage message);

  void write(Iterable<? extends OFMessage> messages);

  /** Sends a request and completes with its reply, or exceptionally with an error or disconnect. */
  <R extends OFMessage> CompletableFuture<R> request(OFRequest<R> request);

  /** Sends a multipart request and completes with every part of the reply, in order. */
  <R extends OFStatsReply> CompletableFuture<List<R>> requestStats(OFStatsRequest<R> request);

  CompletableFuture<OFBarrierReply> barrier();

  /** Closes the connection. */
  void disconnect();
}
