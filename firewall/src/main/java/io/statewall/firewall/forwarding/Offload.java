package io.statewall.firewall.forwarding;

import io.statewall.netfilter.conntrack.CtDirection;
import io.statewall.netfilter.conntrack.CtEntry;
import org.projectfloodlight.openflow.types.U64;

/**
 * The one record of one offloaded connection, in {@link OffloadTable}: its cookie, its conntrack
 * entry (null when forwarding runs without conntrack), where its entries are (null while none are
 * in the switches), how many of those are still there, and per direction the counters of its
 * ingress entry when last read, so the next reading adds only what is new.
 *
 * <p>Hung on the conntrack entry too ({@link CtEntry#offload()}), so that a connection conntrack
 * lets go finds its record without a second map.
 */
public final class Offload {
  private final U64 cookie;
  private volatile CtEntry entry;
  /** Immutable and replaced whole, so readers on other threads never see half a reroute. */
  private volatile InstalledConnection installed;
  /** Entries of {@link #installed} not yet reported gone; guarded by the table's bin lock. */
  int liveEntries;
  /** Ingress entry counters last read: ORIGINAL packets and bytes, REPLY packets and bytes. */
  private long packets0;
  private long bytes0;
  private long packets1;
  private long bytes1;

  Offload(U64 cookie) {
    this.cookie = cookie;
  }

  public U64 cookie() {
    return cookie;
  }

  /** The tracked connection, or null. */
  public CtEntry entry() {
    return entry;
  }

  /** Where its entries are, or null while the switches carry none of them. */
  public InstalledConnection installed() {
    return installed;
  }

  void entry(CtEntry e) {
    entry = e;
  }

  void installed(InstalledConnection c) {
    installed = c;
  }

  synchronized void resetCounters() {
    packets0 = bytes0 = packets1 = bytes1 = 0;
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
