package io.statewall.firewall.guard;

/** A token bucket on a caller's clock (nanoseconds): {@code rate} tokens a second, at most {@code burst}. */
public final class TokenBucket {
  private final double ratePerNano;
  private final double burst;
  private double tokens;
  private long last;

  public TokenBucket(double ratePerSecond, double burst, long now) {
    this.ratePerNano = ratePerSecond / 1e9;
    this.burst = burst;
    this.tokens = burst;
    this.last = now;
  }

  /** Takes one token if there is one. */
  public synchronized boolean tryTake(long now) {
    return tryTake(now, 1, 0);
  }

  /** Takes {@code n} tokens if at least {@code keep} would be left afterwards. */
  public synchronized boolean tryTake(long now, int n, double keep) {
    refill(now);
    if (tokens - n >= keep) {
      tokens -= n;
      return true;
    }
    return false;
  }

  /**
   * Takes {@code n} tokens whether or not there are enough (work that must be done, such as a delete
   * that removes what a policy no longer accepts); the debt is paid back by refills, at most one burst.
   */
  public synchronized void charge(long now, int n) {
    refill(now);
    tokens = Math.max(-burst, tokens - n);
  }

  /** Gives back {@code n} tokens taken a moment ago (at most up to the burst). */
  public synchronized void give(long now, int n) {
    refill(now);
    tokens = Math.min(burst, tokens + n);
  }

  /** Tokens there are now (negative while in debt). */
  public synchronized double available(long now) {
    refill(now);
    return tokens;
  }

  public double burst() {
    return burst;
  }

  private void refill(long now) {
    if (now > last) {
      tokens = Math.min(burst, tokens + (now - last) * ratePerNano);
      last = now;
    }
  }
}
