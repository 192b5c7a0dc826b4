package io.statewall.apps.bench;

/** Which flow-mods, besides the packet-out, must arrive before a connection counts as set up. */
public enum FlowExpectation {
  /**
   * The packet-out alone: a stateful firewall answers a SYN (state NEW) with a packet-out and
   * installs entries only once the connection is established both ways.
   */
  NONE,
  /** One flow-mod for the connection on the switch it entered (what the stub sends). */
  INGRESS,
  /** A flow-mod for the connection on every switch of its path, ingress and egress. */
  PATH
}
