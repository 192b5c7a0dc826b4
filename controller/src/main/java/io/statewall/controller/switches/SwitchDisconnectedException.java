package io.statewall.controller.switches;

/** A request failed because its switch disconnected before answering. */
public final class SwitchDisconnectedException extends Exception {
  public SwitchDisconnectedException(String switchName) {
    super("switch " + switchName + " disconnected");
  }
}
