package io.statewall.netfilter.conntrack;

import java.util.Objects;

/**
 * The replicable state of one connection at one moment, as cluster replication carries it from the
 * connection's owner to the other members and commits it there ({@link ConnTracker#restore}).
 *
 * @param original the ORIGINAL tuple
 * @param status the status bits {@link CtEntry#EXPECTED}, {@link CtEntry#SEEN_REPLY}, {@link CtEntry#ASSURED}
 * @param tcpState the TCP state index (0 for other protocols); see {@link #tcpStateName}
 * @param remainingMillis the timeout left when the snapshot was taken
 * @param helper the helper attached ("ftp"), or null
 */
public record CtSnapshot(CtTuple original, int status, int tcpState, long remainingMillis, String helper) {
  /** The status bits a snapshot carries. */
  public static final int STATUS_BITS = CtEntry.EXPECTED | CtEntry.SEEN_REPLY | CtEntry.ASSURED;

  public CtSnapshot {
    Objects.requireNonNull(original, "original");
    status &= STATUS_BITS;
    if (tcpState < 0 || tcpState >= TcpTracker.STATES) {
      throw new IllegalArgumentException("TCP state index out of range: " + tcpState);
    }
    remainingMillis = Math.max(0, remainingMillis);
  }

  /** The TCP state as conntrack prints it ("ESTABLISHED"), or null for other protocols. */
  public String tcpStateName() {
    return original.protocol() == 6 ? TcpTracker.stateName(tcpState) : null;
  }
}
