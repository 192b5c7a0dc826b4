package io.statewall.topology.share;

import io.statewall.topology.HalfLink;
import io.statewall.topology.Host;
import java.util.Set;

/**
 * What one cluster member learned from the switches it masters: the half-links whose probes arrived at
 * them, and the hosts seen at their edge ports. Each member sends its whole share; the others merge it
 * with their own ({@code TopologyManager.merge}), replacing what that member sent before.
 */
public record TopologyShare(Set<HalfLink> halves, Set<Host> hosts) {
  /** Bounds on what one peer may hand us, whatever it claims: as many as one process would keep itself. */
  public static final int MAX_HALVES = 65_536;
  public static final int MAX_HOSTS = 65_536;
  public static final int MAX_ADDRESSES_PER_HOST = 8;

  public static final TopologyShare EMPTY = new TopologyShare(Set.of(), Set.of());

  public TopologyShare {
    halves = Set.copyOf(halves);
    hosts = Set.copyOf(hosts);
    if (halves.size() > MAX_HALVES) {
      throw new IllegalArgumentException(halves.size() + " half-links, more than " + MAX_HALVES);
    }
    if (hosts.size() > MAX_HOSTS) {
      throw new IllegalArgumentException(hosts.size() + " hosts, more than " + MAX_HOSTS);
    }
    for (Host h : hosts) {
      if (h.addresses().size() > MAX_ADDRESSES_PER_HOST) {
        throw new IllegalArgumentException("host " + h.mac() + " with " + h.addresses().size() + " addresses, more than "
            + MAX_ADDRESSES_PER_HOST);
      }
    }
  }
}
