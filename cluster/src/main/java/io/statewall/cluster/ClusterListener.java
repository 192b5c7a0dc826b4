package io.statewall.cluster;

/**
 * Hears what the cluster committed, on each member, in log order, on the Raft thread: must not block
 * (hand real work to another thread). After a snapshot is installed, every datapath and the policy are
 * reported again as they stand in it.
 */
public interface ClusterListener {
  /** The master or epoch of {@code dpid} changed from {@code before} to {@code after}. */
  default void mastershipChanged(long dpid, Mastership before, Mastership after) {}

  /**
   * {@link #mastershipChanged(long, Mastership, Mastership)}, with whether this change takes the lowest
   * datapath id that its command moved away from {@code before}'s master: every member hears the same, so
   * exactly one heir of a departed master is told {@code firstFromBefore} (the one to adopt what belongs to
   * none of its switches, its connections of unknown ingress).
   */
  default void mastershipChanged(long dpid, Mastership before, Mastership after, boolean firstFromBefore) {
    mastershipChanged(dpid, before, after);
  }

  /** The set of ready members changed (a Ready, a Leave, or a snapshot). */
  default void readyMembersChanged(java.util.SortedSet<String> ready) {}

  /** A policy was committed: every member has these bytes at this generation. */
  default void policyCommitted(PolicyContent policy) {}

  /** The cluster's LLDP key was committed (once per cluster; again after a snapshot that brings it). */
  default void lldpKeyCommitted(LldpKey key) {}
}
