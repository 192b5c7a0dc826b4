package io.statewall.cluster.replication;

import io.statewall.netfilter.conntrack.CtSnapshot;
import io.statewall.netfilter.conntrack.CtTuple;
import io.statewall.netfilter.packet.IpAddress;
import java.util.Objects;

/** One replicated transition of a connection, as a batch carries it from its owner. */
public sealed interface Change {
  /** When the owner saw the transition (its wall clock, ms): the follower's lag is counted from it. */
  long atMillis();

  /**
   * The connection's state after a transition (created, SEEN_REPLY, ASSURED, a TCP state, offloaded).
   *
   * @param ingress the datapath id of its ingress switch, or {@link #UNKNOWN_INGRESS}
   * @param cookie its flow cookie once offloaded, 0 when not (or not known to this change: keep the last)
   */
  record Update(CtSnapshot ct, long ingress, long cookie, long atMillis) implements Change {
    public static final long UNKNOWN_INGRESS = -1;

    public Update {
      Objects.requireNonNull(ct, "ct");
    }
  }

  /** The connection left the owner's table (expired, deleted, closed, early-dropped). */
  record Destroy(CtTuple original, long atMillis) implements Change {
    public Destroy {
      Objects.requireNonNull(original, "original");
    }
  }

  /** An FTP helper's expectation of the control connection {@code master}: from {@code src} (any port) to dst:dstPort. */
  record Expect(CtTuple master, IpAddress src, IpAddress dst, int protocol, int dstPort, long remainingMillis,
      long atMillis) implements Change {
    public Expect {
      Objects.requireNonNull(master, "master");
      Objects.requireNonNull(src, "src");
      Objects.requireNonNull(dst, "dst");
    }
  }
}
