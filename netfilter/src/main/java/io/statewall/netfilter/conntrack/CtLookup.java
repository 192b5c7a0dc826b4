package io.statewall.netfilter.conntrack;

import io.statewall.netfilter.packet.Packet;

/**
 * The result of {@link ConnTracker#classify}: the packet's state and direction, the connection
 * (a read-only view; null for INVALID and UNTRACKED), and what {@link ConnTracker#confirm} needs.
 *
 * <p>A NEW or RELATED lookup holds an unconfirmed connection that is not in the table yet: it
 * enters only if the filter accepts the packet and the caller confirms it.
 */
public final class CtLookup {

  private final Packet packet;
  private final CtState state;
  private final CtDirection direction;
  private final CtEntry entry;
  private final String reason;
  private final boolean drop;
  final boolean unconfirmed;
  final Expectation expectation;

  CtLookup(Packet packet, CtState state, CtDirection direction, CtEntry entry, String reason,
      boolean drop, boolean unconfirmed, Expectation expectation) {
    this.packet = packet;
    this.state = state;
    this.direction = direction;
    this.entry = entry;
    this.reason = reason;
    this.drop = drop;
    this.unconfirmed = unconfirmed;
    this.expectation = expectation;
  }

  static CtLookup invalid(Packet p, String why) {
    return new CtLookup(p, CtState.INVALID, null, null, why, false, false, null);
  }

  static CtLookup untracked(Packet p, String why) {
    return new CtLookup(p, CtState.UNTRACKED, null, null, why, false, false, null);
  }

  /** Dropped whatever the rules say: it would close an offloaded connection it cannot belong to. */
  static CtLookup offloadedOutOfWindow(Packet p) {
    return new CtLookup(p, CtState.INVALID, null, null,
        "RST/FIN outside the offloaded connection's possible window", true, false, null);
  }

  static CtLookup tableFull(Packet p) {
    return new CtLookup(p, CtState.INVALID, null, null, "conntrack table full", true, false, null);
  }

  public Packet packet() {
    return packet;
  }

  /** What {@code -m state} / {@code --ctstate} sees. */
  public CtState state() {
    return state;
  }

  /** ORIGINAL or REPLY; null for INVALID and UNTRACKED. */
  public CtDirection direction() {
    return direction;
  }

  /** The connection, or null for INVALID and UNTRACKED. */
  public CtEntry entry() {
    return entry;
  }

  /** Why the packet is INVALID/UNTRACKED/dropped (for logs and traces), else null. */
  public String reason() {
    return reason;
  }

  /**
   * True when conntrack itself drops the packet before the rules (the table is full and no
   * unassured connection could be evicted), as Linux's nf_conntrack_in returns NF_DROP.
   */
  public boolean dropNow() {
    return drop;
  }

  /** True for a NEW/RELATED connection not yet in the table (confirm inserts it). */
  public boolean isUnconfirmed() {
    return unconfirmed;
  }

  @Override
  public String toString() {
    return state + (direction == null ? "" : "/" + direction) + (reason == null ? "" : " (" + reason + ")");
  }
}
