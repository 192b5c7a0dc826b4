package io.statewall.firewall;

import io.statewall.netfilter.conntrack.CtDirection;

/**
 * What the firewall keeps for one offloaded connection, hung on its conntrack entry: the cookie its
 * switch entries carry, and per direction the counters of its ingress entry when last read (so the
 * next reading adds only what is new). 56 bytes, only for offloaded connections.
 */
final class OffloadState {
  final long cookie;
  /** Ingress entry counters last read: ORIGINAL packets and bytes, REPLY packets and bytes. */
  private long packets0;
  private long bytes0;
  private long packets1;
  private long bytes1;

  OffloadState(long cookie) {
    this.cookie = cookie;
  }

  /**
   * Takes the ingress entry's current counters for {@code dir}; returns what they added since the
   * last reading as {packets, bytes}. Counters that went down belong to a new entry (a reroute, a
   * reinstall): all of them are new.
   */
  synchronized long[] advance(CtDirection dir, long packets, long bytes) {
    boolean original = dir == CtDirection.ORIGINAL;
    long dp = packets - (original ? packets0 : packets1);
    long db = bytes - (original ? bytes0 : bytes1);
    if (dp < 0 || db < 0) {
      dp = packets;
      db = bytes;
    }
    if (original) {
      packets0 = packets;
      bytes0 = bytes;
    } else {
      packets1 = packets;
      bytes1 = bytes;
    }
    return new long[] {dp, db};
  }
}
