package io.statewall.netfilter.conntrack;

import java.time.Instant;
import java.time.InstantSource;

/** A clock the test moves by hand. */
public final class FakeClock implements InstantSource {
  private long millis = 1_000_000L;

  @Override
  public Instant instant() {
    return Instant.ofEpochMilli(millis);
  }

  @Override
  public long millis() {
    return millis;
  }

  public void advanceSeconds(double s) {
    millis += (long) (s * 1000);
  }
}
