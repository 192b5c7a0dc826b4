package io.statewall.bench;

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
  PATH,
  /**
   * The whole TCP handshake: the emulated hosts answer the SYN's packet-out with a SYN-ACK and
   * that one's with an ACK (each a packet-in); the connection is set up when its entries on every
   * switch of its path and the ACK's packet-out have arrived: what a stateful firewall installs
   * once a connection is established.
   */
  HANDSHAKE
}
