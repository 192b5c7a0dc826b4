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
   * @param afterHandover the owner had handed its ingress switch over to another live member when it sent
   *     this: it owns the connection for another reason (it holds the expectation of an active-mode FTP
   *     data connection entering there), so the switch's new master keeps it as a replica; without the
   *     flag, an update of a switch taken over from this owner is late and goes into live conntrack
   */
  record Update(CtSnapshot ct, long ingress, long cookie, long atMillis, boolean afterHandover) implements Change {
    public static final long UNKNOWN_INGRESS = -1;

    public Update {
      Objects.requireNonNull(ct, "ct");
    }

    /** An update of a connection its owner holds as its ingress switch's master (or of unknown ingress). */
    public Update(CtSnapshot ct, long ingress, long cookie, long atMillis) {
      this(ct, ingress, cookie, atMillis, false);
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
