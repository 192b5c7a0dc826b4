package io.statewall.bench;

import java.time.Duration;
import java.util.List;
import java.util.OptionalLong;

/**
 * A failover measured under load: which controller was killed (kill -9, by its pid) while it
 * mastered the most switches, and for each of those switches how long from the kill until the first
 * connection sent after it was set up (by whichever controller took the switch over).
 *
 * @param killed the controller killed, as the bench names it (HOST:PORT)
 * @param pid its process id
 * @param switches the switches it mastered at the kill
 * @param servedAgain per switch (same order), kill to the first new connection set up; empty if none
 *     was within the run
 */
public record Failover(String killed, long pid, List<Integer> switches, List<OptionalLong> servedAgainMillis) {

  public Failover {
    switches = List.copyOf(switches);
    servedAgainMillis = List.copyOf(servedAgainMillis);
  }

  /** Kill to new connections served on every one of its switches; empty if one never was. */
  public OptionalLong allServedMillis() {
    long max = 0;
    for (OptionalLong t : servedAgainMillis) {
      if (t.isEmpty()) {
        return OptionalLong.empty();
      }
      max = Math.max(max, t.getAsLong());
    }
    return servedAgainMillis.isEmpty() ? OptionalLong.empty() : OptionalLong.of(max);
  }

  /**
   * What a run with a kill does: {@code pids} are the controllers' process ids in the order of the
   * controllers; the kill comes {@code after} into the measured time.
   */
  public record Plan(List<Long> pids, Duration after) {
    public Plan {
      pids = List.copyOf(pids);
      if (after.isNegative()) {
        throw new IllegalArgumentException("the kill must come after the measurement starts, got " + after);
      }
    }
  }
}
