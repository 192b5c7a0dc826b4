package io.statewall.netfilter.conntrack.bench;

import java.time.Instant;
import java.time.InstantSource;

/** A clock the benchmark moves (plain field: each benchmark thread owns its tracker or never moves it). */
final class BenchClock implements InstantSource {
  long millis = 1_000_000L;

  @Override
  public Instant instant() {
    return Instant.ofEpochMilli(millis);
  }

  @Override
  public long millis() {
    return millis;
  }
}
