package io.statewall.topology;

import io.statewall.topology.discovery.DiscoverySettings;
import io.statewall.topology.hosts.HostTracker;
import java.time.Duration;

/**
 * Tunables of the topology app.
 *
 * @param maxHosts hosts known at most; a new one beyond evicts the oldest of the fullest port
 * @param maxHostsPerPort hosts known at most on one edge port; a new one beyond evicts the port's oldest
 * @param hostAge a host not seen this long is forgotten (Linux bridge's ageing time)
 */
public record TopologySettings(DiscoverySettings discovery, int maxHosts, int maxHostsPerPort, Duration hostAge) {

  /** 65,536 hosts, 1,024 a port, 300 s. */
  public static final TopologySettings DEFAULTS =
      new TopologySettings(DiscoverySettings.DEFAULTS, 65_536, 1_024, HostTracker.DEFAULT_MAX_AGE);

  /** The first release's two settings: per-port limit and age at their defaults. */
  public TopologySettings(DiscoverySettings discovery, int maxHosts) {
    this(discovery, maxHosts, DEFAULTS_PER_PORT, HostTracker.DEFAULT_MAX_AGE);
  }

  private static final int DEFAULTS_PER_PORT = 1_024;

  public TopologySettings withHostLimits(int hosts, int perPort, Duration age) {
    return new TopologySettings(discovery, hosts, perPort, age);
  }
}
