package io.statewall.bench;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Optional;

/**
 * The bench command's output: a readable summary of each measured controller, and the one-line JSON
 * result that scripts read (always the last line on stdout).
 *
 * @param stub the stub controller's run (the ceiling)
 * @param measured the controller under test, empty when none was available
 * @param switches emulated switches
 * @param rules policy size given to the in-process controller
 * @param footprint what the in-process controller held after the run, when it can tell
 */
public record BenchReport(LoadResult stub, Optional<LoadResult> measured, int switches, int rules,
    Optional<InProcessController.Footprint> footprint) {

  public BenchReport(LoadResult stub, Optional<LoadResult> measured, int switches, int rules) {
    this(stub, measured, switches, rules, Optional.empty());
  }

  /**
   * {@code {"new_conn_per_s":…, "p50_us":…, "p99_us":…, "stub_new_conn_per_s":…, "switches":…,
   * "rules":…, "tracked_connections":…, "live_heap_bytes":…, "timeouts":…, "dropped_packet_outs":…}}
   */
  public String json() {
    ObjectNode o = JsonNodeFactory.instance.objectNode();
    if (measured.isPresent()) {
      LoadResult m = measured.get();
      o.put("new_conn_per_s", Math.round(m.newConnectionsPerSecond()));
      putMicros(o, "p50_us", m.latency().p50());
      putMicros(o, "p99_us", m.latency().p99());
    } else {
      o.putNull("new_conn_per_s");
      o.putNull("p50_us");
      o.putNull("p99_us");
    }
    o.put("stub_new_conn_per_s", Math.round(stub.newConnectionsPerSecond()));
    o.put("switches", switches);
    o.put("rules", rules);
    putFootprint(o);
    if (measured.isPresent()) {
      o.put("timeouts", measured.get().timedOut());
    } else {
      o.putNull("timeouts");
    }
    putDropped(o);
    return o.toString();
  }

  private void putFootprint(ObjectNode o) {
    if (footprint.isPresent()) {
      o.put("tracked_connections", footprint.get().trackedConnections());
      o.put("live_heap_bytes", footprint.get().liveHeapBytes());
    } else {
      o.putNull("tracked_connections");
      o.putNull("live_heap_bytes");
    }
  }

  private void putDropped(ObjectNode o) {
    long dropped = footprint.map(InProcessController.Footprint::droppedPacketOuts).orElse(-1L);
    if (dropped >= 0) {
      o.put("dropped_packet_outs", dropped);
    } else {
      o.putNull("dropped_packet_outs");
    }
  }

  /** Several lines for a person: per controller, the rate, latency percentiles and any warnings. */
  public String summary() {
    StringBuilder b = new StringBuilder();
    b.append(String.format("%-12s %14s %9s %9s %9s %9s %9s %9s%n", "controller", "new conn/s",
        "p50 us", "p90 us", "p99 us", "p99.9 us", "max us", "timeouts"));
    row(b, stub);
    measured.ifPresent(m -> row(b, m));
    measured.ifPresent(m -> {
      double ratio = stub.newConnectionsPerSecond() == 0 ? Double.NaN
          : m.newConnectionsPerSecond() / stub.newConnectionsPerSecond();
      b.append(String.format("ratio to the stub: %.2f%n", ratio));
    });
    for (LoadResult r : measured.isPresent() ? new LoadResult[] {stub, measured.get()}
        : new LoadResult[] {stub}) {
      for (String w : r.warnings()) {
        b.append("warning [").append(r.label()).append("]: ").append(w).append('\n');
      }
    }
    return b.toString();
  }

  private static void row(StringBuilder b, LoadResult r) {
    LatencySummary l = r.latency();
    b.append(String.format("%-12s %,14.0f %9.1f %9.1f %9.1f %9.1f %9.1f %9d%n", r.label(),
        r.newConnectionsPerSecond(), l.p50(), l.p90(), l.p99(), l.p999(), l.max(), r.timedOut()));
  }

  private static void putMicros(ObjectNode o, String key, double micros) {
    if (Double.isNaN(micros)) {
      o.putNull(key);
    } else {
      o.put(key, Math.round(micros * 10) / 10.0);
    }
  }
}
