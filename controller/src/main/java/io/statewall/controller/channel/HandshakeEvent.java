package io.statewall.controller.channel;

import io.statewall.controller.switches.ConnectedSwitch;

/** What the handshake tells the handlers after it, as user events down the pipeline. */
public sealed interface HandshakeEvent {
  ConnectedSwitch sw();

  /** Features and ports are known; programming the switch starts. */
  record Connected(ConnectedSwitch sw) implements HandshakeEvent {}

  /** The table-miss entry is confirmed by a barrier. */
  record Ready(ConnectedSwitch sw) implements HandshakeEvent {}
}
