package io.statewall.netfilter.conntrack;

/**
 * Told when a connection leaves the table, so that flow entries offloaded for it can be removed.
 * Called outside the table's locks; it may call back into the tracker.
 */
@FunctionalInterface
public interface CtRemovalListener {
  void removed(CtEntry entry, RemovalReason reason);
}
