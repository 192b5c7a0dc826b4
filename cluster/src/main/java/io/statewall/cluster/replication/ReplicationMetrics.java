package io.statewall.cluster.replication;

import java.util.Map;

/**
 * What conntrack replication has done on one member, read at one moment (for the API and
 * {@code statewall cluster}).
 *
 * @param queueLength transitions waiting for the next batch (owner side)
 * @param batchesSent batches this member sent as an owner (resets included, resends not)
 * @param batchesResent batches sent again on a follower's request
 * @param resetsSent full-table resyncs sent (a member joined, or a follower was too far behind)
 * @param batchesLost batches of other owners found missing here (a gap in their sequence numbers)
 * @param resendRequests requests this member sent for missing batches
 * @param changesApplied changes of other owners applied here (to replicas, or to live conntrack late)
 * @param lagLastMillis time from an owner's transition to its change applied here, the last one
 * @param lagMaxMillis the largest such lag seen
 * @param lagMeanMillis the mean lag over every change applied
 * @param expectationsSent expectations sent synchronously before the helper's verdict
 * @param expectationTimeouts of those, how many no peer acknowledged within the bound (the verdict went on)
 * @param replicasPromoted replicas committed to live conntrack by takeovers and late arrivals
 * @param replicasRefused replicas not kept because an owner's side table was full (conntrack max)
 * @param replicasByOwner replicas held per owner
 */
public record ReplicationMetrics(int queueLength, long batchesSent, long batchesResent, long resetsSent,
    long batchesLost, long resendRequests, long changesApplied, long lagLastMillis, long lagMaxMillis,
    double lagMeanMillis, long expectationsSent, long expectationTimeouts, long replicasPromoted,
    long replicasRefused, Map<String, Integer> replicasByOwner) {

  public ReplicationMetrics {
    replicasByOwner = Map.copyOf(replicasByOwner);
  }

  /** Replicas held of {@code owner}'s connections. */
  public int replicasOf(String owner) {
    return replicasByOwner.getOrDefault(owner, 0);
  }
}
