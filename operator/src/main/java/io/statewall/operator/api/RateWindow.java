package io.statewall.operator.api;

/**
 * At most {@code limit} events a second (a fixed one-second window), counting the ones refused so a
 * stream can say "N more" instead of sending them. Thread-safe; the clock is given, for tests.
 */
final class RateWindow {
  private static final long SECOND = 1_000_000_000L;
  private final int limit;
  private long windowStart = Long.MIN_VALUE;
  private int admitted;
  private int refused;

  RateWindow(int limit) {
    this.limit = limit;
  }

  synchronized boolean admit(long nowNanos) {
    if (windowStart == Long.MIN_VALUE || nowNanos - windowStart >= SECOND) {
      windowStart = nowNanos;
      admitted = 0;
    }
    if (admitted < limit) {
      admitted++;
      return true;
    }
    refused++;
    return false;
  }

  /** Counts an event refused elsewhere (its queue was full). */
  synchronized void refuse() {
    refused++;
  }

  /** The events refused since the last call. */
  synchronized int takeRefused() {
    int n = refused;
    refused = 0;
    return n;
  }
}
