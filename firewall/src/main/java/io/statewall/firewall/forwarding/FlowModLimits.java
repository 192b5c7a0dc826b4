package io.statewall.firewall.forwarding;

/**
 * How many flow-mods a second one switch gets, so that a flood of distinct (spoofed) sources cannot
 * turn into an unbounded stream of drop entries.
 *
 * @param rate flow-mods a second per switch
 * @param burst how many at once
 * @param dropShare the share of the burst drop entries may use: they are written only while more
 *     than {@code (1 - dropShare) * burst} tokens are left, so the rest stays for the entries of
 *     established connections
 * @param tableFullBackoffSeconds after a TABLE_FULL error, no drop entries for the switch this long
 */
public record FlowModLimits(double rate, double burst, double dropShare, int tableFullBackoffSeconds) {

  /** Above the bench's 10,000 whole connections a second (about four flow-mods each). */
  public static final FlowModLimits DEFAULTS = new FlowModLimits(50_000, 50_000, 0.5, 10);

  public FlowModLimits {
    if (!(rate > 0) || !(burst >= 1)) {
      throw new IllegalArgumentException("flow-mod rate and burst must be positive: " + rate + ", " + burst);
    }
    if (!(dropShare >= 0 && dropShare <= 1)) {
      throw new IllegalArgumentException("drop share must be 0..1: " + dropShare);
    }
    if (tableFullBackoffSeconds < 0) {
      throw new IllegalArgumentException("table-full backoff must be >= 0 s: " + tableFullBackoffSeconds);
    }
  }
}
