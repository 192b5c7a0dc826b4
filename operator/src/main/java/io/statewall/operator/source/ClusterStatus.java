package io.statewall.operator.source;

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
