package io.statewall.operator.source;

import java.util.List;
import java.util.Optional;

/**
 * This controller's place in its cluster: how many members, and per switch its OpenFlow role and the
 * fencing epoch it holds. A process on its own is master of every switch at epoch 0.
 */
public interface ClusterStatus {
  /** Members of the cluster this controller sees, itself included. */
  int members();

  /** This controller's role at the switch: MASTER, SLAVE or EQUAL. */
  String role(long dpid);

  /** The fencing epoch (OpenFlow role generation) of this controller's mastership of the switch. */
  long epoch(long dpid);

  /** The cluster as this member has applied it; empty for a process on its own. */
  default Optional<Membership> membership() {
    return Optional.empty();
  }

  /**
   * Commits a rebalance through the cluster (every switch to its rendezvous winner among the ready members
   * that reach it) and returns the switches that were off it when asked, which it moved. A process on its
   * own has nothing to rebalance: {@link UnsupportedOperationException}.
   */
  default List<Long> rebalance() {
    throw new UnsupportedOperationException("this controller runs on its own (no --cluster): nothing to rebalance");
  }

  /** This member's conntrack replication, read now; empty for a process on its own. */
  default Optional<Replication> replication() {
    return Optional.empty();
  }

  /**
   * What conntrack replication has done on this member.
   *
   * @param lagLastMillis from another owner's transition to its change applied here, the last one
   * @param lagMaxMillis the largest such lag seen
   * @param queueLength this member's transitions waiting for its next batch
   * @param batchesSent batches this member sent as an owner (resets included, resends not)
   * @param batchesLost batches of other owners found missing here (gaps in their sequence numbers)
   * @param batchesResent batches this member sent again on a follower's request
   * @param replicasPromoted other members' connections committed to live conntrack here (takeovers)
   */
  record Replication(long lagLastMillis, long lagMaxMillis, int queueLength, long batchesSent, long batchesLost,
      long batchesResent, long replicasPromoted) {}

  /**
   * One member's view of its cluster.
   *
   * @param cluster the cluster's name
   * @param member this member's id
   * @param leader the Raft leader as known here, if one is
   * @param term the Raft term known here
   * @param commitIndex the last log entry known committed here, which is also the last applied here (RAFT
   *     applies an entry as it commits it), and {@code lastAppended} the last in this member's log
   * @param members every member of the fixed Raft membership, in the order configured
   * @param switches every switch the cluster has placed, by dpid
   * @param policyGeneration the committed policy's generation this member compiled and runs (0: none yet)
   * @param policyError why this member cannot compile the committed policy (it then masters nothing), if so
   */
  record Membership(String cluster, String member, Optional<String> leader, long term, long commitIndex,
      long lastAppended, List<Member> members, List<Switch> switches, long policyGeneration,
      Optional<String> policyError, Optional<String> mastership) {
    public Membership {
      members = List.copyOf(members);
      switches = List.copyOf(switches);
    }
  }

  /**
   * A member: its id, its cluster address, whether it is ready (may be master), how many switches it
   * masters, and how far it has applied the Raft log: known for itself, and on the leader for every member
   * in its view (as each last reported it); empty otherwise.
   */
  record Member(String id, String address, boolean ready, int masterOf, Optional<Long> applied) {}

  /** A switch's committed master (none while no ready member reaches it), its epoch, and this member's role there. */
  record Switch(long dpid, Optional<String> master, long epoch, String role) {}

  ClusterStatus STANDALONE = new ClusterStatus() {
    @Override
    public int members() {
      return 1;
    }

    @Override
    public String role(long dpid) {
      return "MASTER";
    }

    @Override
    public long epoch(long dpid) {
      return 0;
    }
  };
}
