package io.statewall.bench;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * What one load generator run measured.
 *
 * @param label which controller was measured ("stub", "statewall", or its address)
 * @param switches emulated switches
 * @param mode throughput or latency
 * @param completed connections set up within the measured time (denied ones included)
 * @param denied connections the controller answered with a drop entry instead
 * @param timedOut connections not set up within the connection timeout
 * @param elapsed the measured time
 * @param latency set-up latency of the measured connections
 * @param warnings things the reader of the figures should know (e.g. warm-up incomplete)
 * @param roles what the switches' role tables saw (several controllers)
 * @param failover the kill of a controller and its switches' recovery, when the run had one
 */
public record LoadResult(
    String label,
    int switches,
    LoadMode mode,
    long completed,
    long denied,
    long timedOut,
    Duration elapsed,
    LatencySummary latency,
    List<String> warnings,
    Roles roles,
    Optional<Failover> failover) {

  /**
   * Summed over the switches: writes (flow-mods, packet-outs, …) refused because their controller was
   * SLAVE there (errors: a controller wrote to a switch it does not master), role requests refused as
   * STALE, and changes of a switch's master; {@code controllers} each switch connected to.
   */
  public record Roles(long slaveWrites, long staleRefused, long masterChanges, int controllers) {
    public static final Roles NONE = new Roles(0, 0, 0, 1);
  }

  public LoadResult {
    warnings = List.copyOf(warnings);
  }

  /** A run with one controller and no kill. */
  public LoadResult(String label, int switches, LoadMode mode, long completed, long denied, long timedOut,
      Duration elapsed, LatencySummary latency, List<String> warnings) {
    this(label, switches, mode, completed, denied, timedOut, elapsed, latency, warnings, Roles.NONE,
        Optional.empty());
  }

  public double newConnectionsPerSecond() {
    long nanos = elapsed.toNanos();
    return nanos == 0 ? 0 : completed * 1e9 / nanos;
  }
}
