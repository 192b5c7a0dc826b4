package io.statewall.controller.switches;

import io.netty.channel.Channel;
import io.statewall.controller.ChannelLimits;
import io.statewall.controller.ChannelStats;
import io.statewall.controller.channel.ConnectionInfo;
import io.statewall.controller.channel.HandshakeResult;
import io.statewall.controller.logging.RateLimitedLog;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import org.projectfloodlight.openflow.protocol.OFBarrierReply;
import org.projectfloodlight.openflow.protocol.OFErrorMsg;
import org.projectfloodlight.openflow.protocol.OFFactory;
import org.projectfloodlight.openflow.protocol.OFFeaturesReply;
import org.projectfloodlight.openflow.protocol.OFMessage;
import org.projectfloodlight.openflow.protocol.OFPortDesc;
import org.projectfloodlight.openflow.protocol.OFPortReason;
import org.projectfloodlight.openflow.protocol.OFPortStatus;
import org.projectfloodlight.openflow.protocol.OFRequest;
import org.projectfloodlight.openflow.protocol.OFStatsReply;
import org.projectfloodlight.openflow.protocol.OFStatsRequest;
import org.projectfloodlight.openflow.protocol.OFVersion;
import org.projectfloodlight.openflow.types.DatapathId;
import org.projectfloodlight.openflow.types.OFPort;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The {@link SwitchHandle} of one switch connection, from features received until the channel closes. */
public final class ConnectedSwitch implements SwitchHandle {
  private static final Logger LOG = LoggerFactory.getLogger(ConnectedSwitch.class);
  /** How long a request waits for its reply before its future fails with a TimeoutException. */
  public static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(30);

  private final Channel channel;
  private final ConnectionInfo connection;
  private final OFFactory factory;
  private final OFFeaturesReply features;
  private final ConcurrentSkipListMap<OFPort, OFPortDesc> ports = new ConcurrentSkipListMap<>();
  private final PendingRequests pending;
  private final BatchedWriter writer;
  private final ChannelLimits limits;
  private final ChannelStats stats;
  /** For what this switch's peer can repeat at will (errors, ports over the limit). */
  private final RateLimitedLog warnings = RateLimitedLog.warn(LOG);
  private final Queue<CompletableFuture<Void>> writableWaiters = new ConcurrentLinkedQueue<>();
  private final AtomicBoolean gone = new AtomicBoolean();
  private volatile boolean ready;
  private volatile long readyNanos;

  public ConnectedSwitch(Channel channel, HandshakeResult handshake, ChannelLimits limits, ChannelStats stats) {
    this.channel = channel;
    this.connection = handshake.connection();
    this.factory = handshake.factory();
    this.features = handshake.features();
    this.limits = limits;
    this.stats = stats;
    this.pending = new PendingRequests(REQUEST_TIMEOUT, limits.maxPendingRequests(), limits.maxReplyParts());
    this.writer = new BatchedWriter(channel, connection, stats, limits.maxQueuedBytes(), warnings);
    handshake.ports().forEach(p -> this.ports.put(p.getPortNo(), p));
  }

  @Override
  public DatapathId id() {
    return features.getDatapathId();
  }

  @Override
  public OFVersion version() {
    return factory.getVersion();
  }

  @Override
  public OFFactory factory() {
    return factory;
  }

  @Override
  public OFFeaturesReply features() {
    return features;
  }

  @Override
  public Collection<OFPortDesc> ports() {
    return List.copyOf(ports.values());
  }

  @Override
  public Optional<OFPortDesc> port(OFPort number) {
    return Optional.ofNullable(ports.get(number));
  }

  @Override
  public boolean isConnected() {
    return channel.isActive() && !gone.get();
  }

  @Override
  public boolean isReady() {
    return ready && isConnected();
  }

  @Override
  public boolean isWritable() {
    return channel.isWritable();
  }

  @Override
  public CompletableFuture<Void> whenWritable() {
    if (channel.isWritable() || !channel.isActive()) {
      return CompletableFuture.completedFuture(null);
    }
    CompletableFuture<Void> waiter = new CompletableFuture<>();
    writableWaiters.add(waiter);
    if (channel.isWritable() || !channel.isActive()) {
      releaseWritableWaiters(); // writability changed while we were queueing
    }
    return waiter;
  }

  @Override
  public void write(OFMessage message) {
    if (channel.isActive()) {
      writer.write(message);
    }
  }

  @Override
  public void write(Iterable<? extends OFMessage> messages) {
    if (channel.isActive()) {
      writer.write(messages);
    }
  }

  @Override
  @SuppressWarnings("unchecked")
  public <R extends OFMessage> CompletableFuture<R> request(OFRequest<R> request) {
    OFRequest<R> numbered = (OFRequest<R>) withOwnXid(request);
    CompletableFuture<R> reply = pending.expectReply(numbered.getXid());
    send(numbered, reply);
    return reply;
  }

  /**
   * Sends an echo request: completes with true when it is answered within {@code timeout}, false when
   * not (or the switch is gone). The timer runs on the switch's event loop.
   */
  public CompletableFuture<Boolean> probe(Duration timeout) {
    if (!isConnected()) {
      return CompletableFuture.completedFuture(false);
    }
    CompletableFuture<Boolean> answered = new CompletableFuture<>();
    CompletableFuture<?> echo = request(factory.buildEchoRequest().build());
    var timer = channel.eventLoop().schedule(() -> answered.complete(false), timeout.toNanos(), TimeUnit.NANOSECONDS);
    echo.whenComplete((reply, error) -> {
      timer.cancel(false);
      answered.complete(error == null);
    });
    return answered;
  }

  @Override
  @SuppressWarnings("unchecked")
  public <R extends OFStatsReply> CompletableFuture<List<R>> requestStats(OFStatsRequest<R> request) {
    OFStatsRequest<R> numbered = (OFStatsRequest<R>) withOwnXid(request);
    CompletableFuture<List<R>> parts = pending.expectParts(numbered.getXid());
    send(numbered, parts);
    return parts;
  }

  @Override
  @SuppressWarnings("unchecked")
  public <R extends OFStatsReply> CompletableFuture<Integer> streamStats(OFStatsRequest<R> request,
      Consumer<? super R> eachPart) {
    OFStatsRequest<R> numbered = (OFStatsRequest<R>) withOwnXid(request);
    CompletableFuture<Integer> done = pending.expectStream(numbered.getXid(), eachPart);
    send(numbered, done);
    return done;
  }

  @Override
  public CompletableFuture<OFBarrierReply> barrier() {
    return request(factory.buildBarrierRequest().build());
  }

  @Override
  public void disconnect() {
    channel.close();
  }

  @Override
  public String toString() {
    return connection.toString();
  }

  /** The controller numbers requests itself: openflowj's global xid counter could collide with ours. */
  private OFMessage withOwnXid(OFMessage request) {
    return request.createBuilder().setXid(connection.nextXid()).build();
  }

  /** Called after the reply is registered, so a disconnect either happens before (seen here) or fails it. */
  private void send(OFMessage request, CompletableFuture<?> reply) {
    if (reply.isDone()) {
      if (reply.isCompletedExceptionally()) {
        stats.dropped(ChannelStats.Limit.PENDING_REQUESTS);
        warnings.log("switch {}: {} requests wait for its replies: refusing more", this,
            limits.maxPendingRequests());
      }
      return;
    }
    if (!channel.isActive() || gone.get()) {
      reply.completeExceptionally(new SwitchDisconnectedException(toString()));
      return;
    }
    writer.write(request);
  }

  // ---- called by the channel side (SwitchDirectory / the switch's channel handler), on its event loop ----

  /** Routes a reply to its pending request; false if nobody waits for it. */
  boolean completeRequest(OFMessage reply) {
    return pending.complete(reply);
  }

  /** Fails the request an error answers; false if the error answers no pending request. */
  boolean failRequest(OFErrorMsg error) {
    return pending.fail(error, toString());
  }

  /** Applies a port-status; false (and ignored) when it would add a port beyond the limit. */
  boolean applyPortStatus(OFPortStatus status) {
    OFPortDesc desc = status.getDesc();
    if (status.getReason() == OFPortReason.DELETE) {
      ports.remove(desc.getPortNo());
      return true;
    }
    if (!ports.containsKey(desc.getPortNo()) && ports.size() >= limits.maxPorts()) {
      stats.dropped(ChannelStats.Limit.PORTS);
      warnings.log("switch {}: already has {} ports: ignoring port-status for new port {}", this,
          limits.maxPorts(), desc.getPortNo());
      return false;
    }
    ports.put(desc.getPortNo(), desc);
    return true;
  }

  RateLimitedLog warnings() {
    return warnings;
  }

  void markReady() {
    readyNanos = System.nanoTime();
    ready = true;
  }

  /** From TCP accept to the barrier that confirmed the table-miss entry; empty until ready. */
  public Optional<Duration> handshakeDuration() {
    return ready ? Optional.of(Duration.ofNanos(readyNanos - connection.connectedNanos())) : Optional.empty();
  }

  /** True the first time only: the switch is reported gone exactly once, however it went. */
  boolean markGone() {
    boolean first = gone.compareAndSet(false, true);
    if (first) {
      pending.failAll(new SwitchDisconnectedException(toString()));
      releaseWritableWaiters();
    }
    return first;
  }

  public void writabilityChanged() {
    if (channel.isWritable()) {
      releaseWritableWaiters();
    }
  }

  int pendingRequests() {
    return pending.size();
  }

  private void releaseWritableWaiters() {
    CompletableFuture<Void> waiter;
    while ((waiter = writableWaiters.poll()) != null) {
      waiter.complete(null);
    }
  }
}
