package io.statewall.bench;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * One connection sent as a packet-in and waiting for its flow-mods and packet-out. The missing
 * parts are bits cleared as they arrive, from whichever switch's thread they arrive on.
 */
final class PendingSetup {
  /** Who sent the connection and gets told once it is settled, so it can send the next. */
  interface Owner {
    void settled(PendingSetup setup);
  }

  /**
   * The connection sent: its original tuple, the switches where it enters and leaves the network,
   * and whether it is a warm-up probe (not counted).
   */
  record Sent(FiveTuple key, int ingress, int egress, boolean probe) {}

  static final int PACKET_OUT = 1;
  static final int INGRESS_FLOW = 2;
  static final int EGRESS_FLOW = 4;
  /** Marks a setup that was settled (completed, denied or timed out): nothing counts it again. */
  private static final int SETTLED = -1;

  final FiveTuple key;
  final Owner owner;
  final int ingress;
  final int egress;
  final long sentNanos;
  final boolean probe;
  private final AtomicInteger missing;

  PendingSetup(Sent sent, Owner owner, long sentNanos, int required) {
    this.key = sent.key();
    this.owner = owner;
    this.ingress = sent.ingress();
    this.egress = sent.egress();
    this.sentNanos = sentNanos;
    this.probe = sent.probe();
    this.missing = new AtomicInteger(required);
  }

  /** Clears one part; true when this call supplied the last one (exactly one caller sees true). */
  boolean arrive(int part) {
    while (true) {
      int m = missing.get();
      if (m == SETTLED || (m & part) == 0) {
        return false;
      }
      int next = m & ~part;
      if (missing.compareAndSet(m, next == 0 ? SETTLED : next)) {
        return next == 0;
      }
    }
  }

  /** Settles it whatever is missing (denied, timed out); true if this call settled it. */
  boolean settle() {
    while (true) {
      int m = missing.get();
      if (m == SETTLED) {
        return false;
      }
      if (missing.compareAndSet(m, SETTLED)) {
        return true;
      }
    }
  }

  boolean isSettled() {
    return missing.get() == SETTLED;
  }
}
