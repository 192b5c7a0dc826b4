package io.statewall.operator.api;

import io.prometheus.metrics.core.datapoints.CounterDataPoint;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * A counter's data points by a key the packet path already holds (a switch's {@code DatapathId}, a
 * chain's name), so that counting neither formats label values nor looks them up as a list each
 * time: a packet-in's switch label was a {@code String.format} of its datapath id, every time.
 *
 * <p>Bounded: past {@link #MAX} keys (a switch churning datapath ids), a data point is looked up
 * by its labels each time rather than kept here; the counter itself still counts it.
 */
final class DataPoints<K> {
  static final int MAX = 4_096;

  private final ConcurrentHashMap<K, CounterDataPoint> points = new ConcurrentHashMap<>();
  private final Function<K, CounterDataPoint> lookup;

  /** {@code lookup}: the counter's data point for a key, by its label values. */
  DataPoints(Function<K, CounterDataPoint> lookup) {
    this.lookup = lookup;
  }

  CounterDataPoint get(K key) {
    CounterDataPoint p = points.get(key);
    if (p == null) {
      p = lookup.apply(key);
      if (points.size() < MAX) {
        points.putIfAbsent(key, p);
      }
    }
    return p;
  }
}
