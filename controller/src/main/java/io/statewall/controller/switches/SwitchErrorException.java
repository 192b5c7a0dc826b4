package io.statewall.controller.switches;

import org.projectfloodlight.openflow.protocol.OFErrorMsg;

/** A request failed because the switch answered it with an OpenFlow error. */
public final class SwitchErrorException extends Exception {
  private final transient OFErrorMsg error;

  public SwitchErrorException(String switchName, OFErrorMsg error) {
    super("switch " + switchName + " answered xid " + error.getXid() + " with " + error);
    this.error = error;
  }

  public OFErrorMsg error() {
    return error;
  }
}
