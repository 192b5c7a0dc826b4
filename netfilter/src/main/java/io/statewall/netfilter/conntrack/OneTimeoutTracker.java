package io.statewall.netfilter.conntrack;

import io.statewall.netfilter.packet.Packet;

/** A protocol whose connections have one timeout whatever their packets say (ICMP, generic). */
abstract class OneTimeoutTracker implements L4Tracker {
  private final long millis;

  OneTimeoutTracker(long seconds) {
    this.millis = seconds * 1000L;
  }

  @Override
  public final int packet(CtEntry e, Packet p, int dir, long now) {
    e.expires = now + millis;
    return ACCEPT;
  }

  @Override
  public final long timeout(CtEntry e) {
    return millis;
  }
}
