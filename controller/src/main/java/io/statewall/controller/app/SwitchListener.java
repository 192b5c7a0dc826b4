package io.statewall.controller.app;

import io.statewall.controller.switches.SwitchHandle;
import org.projectfloodlight.openflow.protocol.OFPortStatus;

/** Switch lifecycle: connected (handshake begun), ready (table-miss installed), ports, gone. */
public interface SwitchListener {
  /** The features and port descriptions are known; the switch is not yet programmed. */
  default void switchConnected(SwitchHandle sw) {}

  /** The flow table is cleared (or kept, as configured) and the table-miss entry confirmed by a barrier. */
  default void switchReady(SwitchHandle sw) {}

  default void portChanged(SwitchHandle sw, OFPortStatus status) {}

  default void switchDisconnected(SwitchHandle sw) {}
}
