package io.statewall.netfilter.rules;

import io.statewall.netfilter.conntrack.CtDirection;
import io.statewall.netfilter.conntrack.CtEntry;
import io.statewall.netfilter.conntrack.CtState;
import io.statewall.netfilter.conntrack.CtTuple;
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

  /**
   * The tuple's source port as xt_conntrack reads it ({@code src.u.all}): the port for TCP/UDP, the
   * identifier for ICMP, 0 otherwise; -1 when not known.
   */
  default int origSrcPort() {
    return -1;
  }

  /** The destination port ({@code dst.u.all}: for ICMP type and code as type * 256 + code). */
  default int origDstPort() {
    return -1;
  }

  default int replySrcPort() {
    return -1;
  }

  default int replyDstPort() {
    return -1;
  }

  /** What the rules see of a tracked connection, from its entry. */
  static ConnInfo of(CtState state, CtDirection direction, CtEntry e) {
    CtTuple o = e.tuple(CtDirection.ORIGINAL);
    CtTuple r = e.tuple(CtDirection.REPLY);
    return new Of(state, direction, e.status(), o.src(), o.dst(), r.src(), r.dst(), e.protocol(), e.helper(),
        srcAll(o), dstAll(o), srcAll(r), dstAll(r));
  }

  private static int srcAll(CtTuple t) {
    return t.srcPort() >= 0 ? t.srcPort() : t.icmpId() >= 0 ? t.icmpId() : 0;
  }

  private static int dstAll(CtTuple t) {
    return t.dstPort() >= 0 ? t.dstPort() : t.icmpType() >= 0 ? (t.icmpType() << 8) | t.icmpCode() : 0;
  }

  /** True when the packet has a conntrack entry (not INVALID, not UNTRACKED). */
  default boolean tracked() {
    return state() != CtState.INVALID && state() != CtState.UNTRACKED && origSrc() != null;
  }

  /** A plain snapshot, for tests and for callers without their own entry type. */
  record Of(CtState state, CtDirection direction, int status, IpAddress origSrc, IpAddress origDst,
      IpAddress replySrc, IpAddress replyDst, int protocol, String helper, int origSrcPort, int origDstPort,
      int replySrcPort, int replyDstPort) implements ConnInfo {

    /** Without ports (they read as unknown: no {@code --ct*port} test matches). */
    public Of(CtState state, CtDirection direction, int status, IpAddress origSrc, IpAddress origDst,
        IpAddress replySrc, IpAddress replyDst, int protocol, String helper) {
      this(state, direction, status, origSrc, origDst, replySrc, replyDst, protocol, helper, -1, -1, -1, -1);
    }
  }
}
