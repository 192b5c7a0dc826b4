package io.statewall.netfilter.rules;

import io.statewall.netfilter.conntrack.CtDirection;
import io.statewall.netfilter.conntrack.CtState;
import io.statewall.netfilter.packet.IpAddress;

/** What the conntrack matches see of a packet's connection (conntrack's view, read only). */
public interface ConnInfo {
  /** Status bits, with Linux's values (IPS_EXPECTED, IPS_SEEN_REPLY, IPS_ASSURED, IPS_CONFIRMED). */
  int EXPECTED = 1;
  int SEEN_REPLY = 2;
  int ASSURED = 4;
  int CONFIRMED = 8;

  /** Before conntrack has run (the raw table): Linux's state match sees INVALID. */
  ConnInfo NOT_TRACKED_YET = new Of(CtState.INVALID, CtDirection.ORIGINAL, 0, null, null, null, null, 0, null);

  /** Traffic that {@code CT --notrack} left untracked. */
  ConnInfo UNTRACKED = new Of(CtState.UNTRACKED, CtDirection.ORIGINAL, 0, null, null, null, null, 0, null);

  CtState state();

  CtDirection direction();

  int status();

  IpAddress origSrc();

  IpAddress origDst();

  IpAddress replySrc();

  IpAddress replyDst();

  /** The connection's layer-4 protocol number. */
  int protocol();

  /** The attached helper's name ("ftp"), or null. */
  String helper();

  /** True when the packet has a conntrack entry (not INVALID, not UNTRACKED). */
  default boolean tracked() {
    return state() != CtState.INVALID && state() != CtState.UNTRACKED && origSrc() != null;
  }

  /** A plain snapshot, for tests and for callers without their own entry type. */
  record Of(CtState state, CtDirection direction, int status, IpAddress origSrc, IpAddress origDst,
      IpAddress replySrc, IpAddress replyDst, int protocol, String helper) implements ConnInfo {}
}
