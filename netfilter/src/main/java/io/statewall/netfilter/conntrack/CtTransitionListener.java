package io.statewall.netfilter.conntrack;

/**
 * Told when a connection's replicable state moves (cluster replication's change feed): confirmed,
 * SEEN_REPLY, ASSURED, a new TCP state. Not told of per-packet window data or counters; removals
 * go to {@link CtRemovalListener}.
 *
 * <p>Called under the connection's lock, in the order the transitions happen: it must not call back
 * into the tracker or block; note the entry and return (take a {@link CtSnapshot} later, off the
 * packet path). With none set the packet path only reads one field.
 */
@FunctionalInterface
public interface CtTransitionListener {
  /** The connection entered the table (confirmed, adopted from the switches, or restored from a replica). */
  int CREATED = 1;
  /** The first reply was seen. */
  int SEEN_REPLY = 1 << 1;
  /** It became ASSURED (no early drop; the longer timeouts). */
  int ASSURED = 1 << 2;
  /** The TCP state changed (the handshake's end, FIN, close, ...). */
  int TCP_STATE = 1 << 3;

  /** {@code changes}: the bits above that this transition set. */
  void transition(CtEntry entry, int changes);
}
