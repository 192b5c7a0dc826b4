package io.statewall.topology;

import io.statewall.topology.discovery.DiscoverySettings;

/** Tunables of the topology app. */
public record TopologySettings(DiscoverySettings discovery, int maxHosts) {

  public static final TopologySettings DEFAULTS = new TopologySettings(DiscoverySettings.DEFAULTS, 65_536);
}
