package io.statewall.controller.switches;

import io.statewall.controller.ChannelStats;
import io.statewall.controller.app.ListenerDispatcher;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import org.projectfloodlight.openflow.protocol.OFErrorMsg;
import org.projectfloodlight.openflow.protocol.OFMessage;
import org.projectfloodlight.openflow.protocol.OFPortStatus;
import org.projectfloodlight.openflow.types.DatapathId;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The connected switches by datapath id, and the one place their lifecycle and messages are routed to
 * pending requests and to the apps' listeners.
 *
 * <p>A datapath id has one session at a time. A new connection claiming the id of a known switch is
 * let in only if the known session is dead: closed, or silent to an echo probe (then it is dropped and
 * reported disconnected first). While the known session answers, the newcomer is refused: a
 * datapath id is a claim anyone can make, and a live switch is not handed over to whoever asks.
 */
public final class SwitchDirectory implements SwitchRegistry {
  private static final Logger LOG = LoggerFactory.getLogger(SwitchDirectory.class);

  private final ConcurrentHashMap<DatapathId, ConnectedSwitch> byId = new ConcurrentHashMap<>();
  private final ListenerDispatcher listeners;
  private final ChannelStats stats;

  public SwitchDirectory(ListenerDispatcher listeners) {
    this(listeners, new ChannelStats());
  }

  public SwitchDirectory(ListenerDispatcher listeners, ChannelStats stats) {
    this.listeners = listeners;
    this.stats = stats;
  }

  @Override
  public Optional<SwitchHandle> get(DatapathId id) {
    return Optional.ofNullable(byId.get(id));
  }

  @Override
  public Collection<SwitchHandle> ready() {
    return byId.values().stream().filter(ConnectedSwitch::isReady).map(SwitchHandle.class::cast).toList();
  }

  @Override
  public Collection<SwitchHandle> all() {
    return List.copyOf(byId.values());
  }

  public ChannelStats stats() {
    return stats;
  }

  /**
   * Whether a new connection may take {@code id}: true at once if no session has it or its session is
   * closed; otherwise the session is probed, and true (after dropping it) only if it does not answer
   * within {@code probeTimeout}. Completes on the old session's event loop.
   */
  public CompletableFuture<Boolean> claim(DatapathId id, Duration probeTimeout) {
    ConnectedSwitch existing = byId.get(id);
    if (existing == null) {
      return CompletableFuture.completedFuture(true);
    }
    if (!existing.isConnected()) {
      retire(existing);
      return CompletableFuture.completedFuture(true);
    }
    return existing.probe(probeTimeout).thenApply(answered -> {
      if (answered) {
        return false;
      }
      LOG.warn("switch {}: did not answer an echo within {} while a new connection claims its datapath id; "
          + "dropping it", existing, probeTimeout);
      stats.staleSessionReplaced();
      retire(existing);
      existing.disconnect();
      return true;
    });
  }

  /**
   * Features and ports are known: the switch joins the registry. False if another live session took
   * its datapath id since {@link #claim} (the caller refuses the connection).
   */
  public boolean connected(ConnectedSwitch sw) {
    ConnectedSwitch previous = byId.putIfAbsent(sw.id(), sw);
    if (previous != null && previous != sw) {
      if (previous.isConnected()) {
        return false;
      }
      retire(previous);
      if (byId.putIfAbsent(sw.id(), sw) != null) {
        return false;
      }
    }
    LOG.info("switch {}: connected, OpenFlow {}, {} ports", sw, sw.version(), sw.ports().size());
    listeners.switchConnected(sw);
    return true;
  }

  public void ready(ConnectedSwitch sw) {
    if (byId.get(sw.id()) != sw) {
      return; // replaced while its handshake finished
    }
    sw.markReady();
    listeners.switchReady(sw);
  }

  public void received(ConnectedSwitch sw, OFMessage message) {
    if (message instanceof OFErrorMsg error) {
      boolean answered = sw.failRequest(error);
      sw.warnings().log("switch {}: error for xid {}{}: {}", sw, error.getXid(),
          answered ? " (a pending request)" : "", error);
      listeners.dispatch(sw, error);
      return;
    }
    if (sw.completeRequest(message)) {
      return;
    }
    if (message instanceof OFPortStatus status) {
      if (!sw.applyPortStatus(status)) {
        return; // a port beyond the limit: no app keeps state for it
      }
      listeners.portChanged(sw, status);
    }
    listeners.dispatch(sw, message);
  }

  public void disconnected(ConnectedSwitch sw) {
    byId.remove(sw.id(), sw);
    if (sw.markGone()) {
      LOG.info("switch {}: disconnected", sw);
      listeners.switchDisconnected(sw);
    }
  }

  /** Removes a dead session and tells the apps, once. */
  private void retire(ConnectedSwitch old) {
    byId.remove(old.id(), old);
    if (old.markGone()) {
      LOG.info("switch {}: disconnected (its datapath id reconnected)", old);
      listeners.switchDisconnected(old);
    }
  }
}
