package io.statewall.bench;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Optional;
import java.util.OptionalLong;

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
   * "rules":…, "tracked_connections":…, "live_heap_bytes":…, "alloc_bytes_per_conn":…, "timeouts":…,
   * "dropped_packet_outs":…}}, with several controllers also {@code "slave_writes":…, "stale_refused":…, "master_changes":…} and,
   * with a kill, {@code "failover":{"killed":…, "pid":…, "served_again_ms":…, "per_switch_ms":[…],
   * "switches":[…]}}
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
    measured.filter(m -> m.roles().controllers() > 1).ifPresent(m -> putRoles(o, m));
    return o.toString();
  }

  private void putFootprint(ObjectNode o) {
    if (footprint.isPresent()) {
      o.put("tracked_connections", footprint.get().trackedConnections());
      o.put("live_heap_bytes", footprint.get().liveHeapBytes());
      long perConnection = footprint.get().allocatedBytesPerConnection();
      if (perConnection >= 0) {
        o.put("alloc_bytes_per_conn", perConnection);
      } else {
        o.putNull("alloc_bytes_per_conn");
      }
    } else {
      o.putNull("tracked_connections");
      o.putNull("live_heap_bytes");
      o.putNull("alloc_bytes_per_conn");
    }
  }

  /** With several controllers: role errors and counts; with a kill, the failover. */
  private static void putRoles(ObjectNode o, LoadResult m) {
    o.put("slave_writes", m.roles().slaveWrites());
    o.put("stale_refused", m.roles().staleRefused());
    o.put("master_changes", m.roles().masterChanges());
    m.failover().ifPresent(f -> {
      ObjectNode k = o.putObject("failover");
      k.put("killed", f.killed());
      k.put("pid", f.pid());
      OptionalLong all = f.allServedMillis();
      if (all.isPresent()) {
        k.put("served_again_ms", all.getAsLong());
      } else {
        k.putNull("served_again_ms");
      }
      var per = k.putArray("per_switch_ms");
      for (OptionalLong t : f.servedAgainMillis()) {
        if (t.isPresent()) {
          per.add(t.getAsLong());
        } else {
          per.addNull();
        }
      }
      var sws = k.putArray("switches");
      f.switches().forEach(sws::add);
    });
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
    measured.filter(m -> m.roles().controllers() > 1).ifPresent(m -> b.append(String.format(
            "roles: %d writes from a SLAVE refused (errors), %d role requests refused as stale, %d master changes%n",
            m.roles().slaveWrites(), m.roles().staleRefused(), m.roles().masterChanges())));
    measured.flatMap(LoadResult::failover).ifPresent(f -> {
      OptionalLong all = f.allServedMillis();
      b.append(String.format("failover: killed %s (pid %d), master of %d switches; kill to new connections "
          + "served on all of them: %s%n", f.killed(), f.pid(), f.switches().size(),
          all.isPresent() ? all.getAsLong() + " ms" : "not within the run"));
      for (int i = 0; i < f.switches().size(); i++) {
        OptionalLong t = f.servedAgainMillis().get(i);
        b.append(String.format("  s%d: %s%n", f.switches().get(i), t.isPresent() ? t.getAsLong() + " ms" : "none"));
      }
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
