package io.statewall.netfilter.conntrack;

/** Which way a packet travels on its connection: as the first packet did, or back. */
public enum CtDirection {
  ORIGINAL,
  REPLY
}
