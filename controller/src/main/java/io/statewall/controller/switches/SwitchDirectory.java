package io.statewall.controller.switches;

import io.statewall.controller.app.ListenerDispatcher;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.projectfloodlight.openflow.protocol.OFErrorMsg;
import org.projectfloodlight.openflow.protocol.OFMessage;
import org.projectfloodlight.openflow.protocol.OFPortStatus;
import org.projectfloodlight.openflow.types.DatapathId;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The connected switches by datapath id, and the one place their lifecycle and messages are routed to
 * pending requests and to the apps' listeners. A second connection with a known datapath id replaces the
 * first: the old one is reported disconnected and closed before the new one is reported connected.
 */
public final class SwitchDirectory implements SwitchRegistry {
  private static final Logger LOG = LoggerFactory.getLogger(SwitchDirectory.class);

  private final ConcurrentHashMap<DatapathId, ConnectedSwitch> byId = new ConcurrentHashMap<>();
  private final ListenerDispatcher listeners;

  public SwitchDirectory(ListenerDispatcher listeners) {
    this.listeners = listeners;
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

  /** Features and ports are known: the switch joins the registry. */
  public void connected(ConnectedSwitch sw) {
    ConnectedSwitch previous = byId.put(sw.id(), sw);
    if (previous != null && previous != sw) {
      LOG.warn("switch {}: a new connection from {} replaces this one", previous, sw);
      if (previous.markGone()) {
        listeners.switchDisconnected(previous);
      }
      previous.disconnect();
    }
    LOG.info("switch {}: connected, OpenFlow {}, {} ports", sw, sw.version(), sw.ports().size());
    listeners.switchConnected(sw);
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
      LOG.warn("switch {}: error for xid {}{}: {}", sw, error.getXid(), answered ? " (a pending request)" : "", error);
      listeners.dispatch(sw, error);
      return;
    }
    if (sw.completeRequest(message)) {
      return;
    }
    if (message instanceof OFPortStatus status) {
      sw.applyPortStatus(status);
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
}
