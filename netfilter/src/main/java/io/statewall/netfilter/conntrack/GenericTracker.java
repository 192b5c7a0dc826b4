package io.statewall.netfilter.conntrack;

import io.statewall.netfilter.packet.Packet;

/**
 * Every protocol without a tracker of its own (nf_conntrack_proto_generic.c): addresses and
 * protocol only, any packet may start a connection, one timeout.
 */
final class GenericTracker extends OneTimeoutTracker {

  GenericTracker(CtTimeouts t) {
    super(t.generic());
  }

  @Override
  public String refusesNew(CtEntry e, Packet p) {
    return null;
  }
}
