package io.statewall.netfilter.conntrack;

import io.statewall.netfilter.packet.Packet;

/**
 * Every protocol without a tracker of its own (nf_conntrack_proto_generic.c): addresses and
 * protocol only, any packet may start a connection, one timeout.
 */
final class GenericTracker implements L4Tracker {
  private final long millis;

  GenericTracker(CtTimeouts t) {
    millis = t.generic() * 1000L;
  }

  @Override
  public String refusesNew(CtEntry e, Packet p) {
    return null;
  }

  @Override
  public int packet(CtEntry e, Packet p, int dir, long now) {
    e.expires = now + millis;
    return ACCEPT;
  }

  @Override
  public long timeout(CtEntry e) {
    return millis;
  }
}
