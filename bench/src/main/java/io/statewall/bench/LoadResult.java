package io.statewall.bench;

import java.time.Duration;
import java.util.List;

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
    List<String> warnings) {

  public LoadResult {
    warnings = List.copyOf(warnings);
  }

  public double newConnectionsPerSecond() {
    long nanos = elapsed.toNanos();
    return nanos == 0 ? 0 : completed * 1e9 / nanos;
  }
}
