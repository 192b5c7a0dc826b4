package io.statewall.topology.discovery;

import java.time.Duration;

/**
 * Timing of link discovery.
 *
 * @param probeInterval how often every port of every switch gets a probe
 * @param linkTimeout a half-link not refreshed for this long is gone (several missed probes)
 * @param maxProbeAge a probe older than this when it comes back is a replay and is ignored
 * @param edgeSettle how long after a port's first probe (its switch ready, or the port up) discovery
 *     has had its round: a port that has heard no probe by then faces hosts, and a frame for an
 *     unknown MAC may be flooded out of it; before, it might face a switch whose probe is on its way
 */
public record DiscoverySettings(Duration probeInterval, Duration linkTimeout, Duration maxProbeAge,
    Duration edgeSettle) {

  public static final DiscoverySettings DEFAULTS = new DiscoverySettings(Duration.ofSeconds(5),
      Duration.ofSeconds(16), Duration.ofSeconds(3), Duration.ofSeconds(1));

  public DiscoverySettings {
    if (probeInterval.isNegative() || probeInterval.isZero()) {
      throw new IllegalArgumentException("probe interval must be positive");
    }
    if (linkTimeout.compareTo(probeInterval) <= 0) {
      throw new IllegalArgumentException("link timeout must exceed the probe interval");
    }
    if (maxProbeAge.isNegative() || maxProbeAge.isZero()) {
      throw new IllegalArgumentException("probe age must be positive");
    }
    if (edgeSettle.isNegative()) {
      throw new IllegalArgumentException("edge settle delay must not be negative");
    }
  }
}
