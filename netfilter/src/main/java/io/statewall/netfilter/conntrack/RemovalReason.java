package io.statewall.netfilter.conntrack;

/** Why a connection left the table; passed to {@link CtRemovalListener}. */
public enum RemovalReason {
  /** Its timeout ran out. */
  EXPIRED,
  /** Deleted by tuple or flushed ({@code conntrack -D}, {@code -F}). */
  DELETED,
  /** The TCP tracker ended it: an RST as the only reply, or a SYN reopening a closed connection. */
  CLOSED,
  /** Evicted to make room for a new connection when the table was full. */
  EARLY_DROP,
  /**
   * Moved out of this controller's table, not ended: another cluster member became master of the
   * connection's ingress switch and tracks it now. Its switch entries stay, and nothing is replicated.
   */
  HANDED_OVER
}
