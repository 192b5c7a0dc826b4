package io.statewall.bench;

/**
 * One second of a run, as the progress line shows it.
 *
 * @param label which controller is measured
 * @param second seconds since the measurement started
 * @param rate connections set up per second during the last interval
 * @param completed connections set up since the measurement started
 * @param p99Micros p99 set-up latency of the last interval (NaN if none)
 * @param outstanding connections sent and not yet set up
 * @param timedOut connections timed out since the measurement started
 */
public record Progress(
    String label, int second, double rate, long completed, double p99Micros, long outstanding,
    long timedOut) {

  public String line() {
    return String.format(
        "bench[%s] %3ds  %,10.0f conn/s  p99 %8.1f us  set up %,d  outstanding %,d  timed out %,d",
        label, second, rate, p99Micros, completed, outstanding, timedOut);
  }
}
