package io.statewall.apps.guard;

/** A token bucket on a caller's clock (nanoseconds): {@code rate} tokens a second, at most {@code burst}. */
final class TokenBucket {
  private final double ratePerNano;
  private final double burst;
  private double tokens;
  private long last;

  TokenBucket(double ratePerSecond, double burst, long now) {
    this.ratePerNano = ratePerSecond / 1e9;
    this.burst = burst;
    this.tokens = burst;
    this.last = now;
  }

  /** Takes one token if there is one. */
  synchronized boolean tryTake(long now) {
    if (now > last) {
      tokens = Math.min(burst, tokens + (now - last) * ratePerNano);
      last = now;
    }
    if (tokens >= 1) {
      tokens -= 1;
      return true;
    }
    return false;
  }
}
