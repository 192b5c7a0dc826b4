package io.statewall.apps.bench;

/** Which flow-mods, besides the packet-out, must arrive before a connection counts as set up. */
public enum FlowExpectation {
  /** One flow-mod for the connection on the switch it entered (what the stub sends). */
  INGRESS,
  /** A flow-mod for the connection on every switch of its path, ingress and egress. */
  PATH
}
