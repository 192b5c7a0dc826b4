package io.statewall.netfilter.rules;

import io.statewall.netfilter.conntrack.CtDirection;
import io.statewall.netfilter.conntrack.CtEntry;
import io.statewall.netfilter.conntrack.CtQuery;
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

  /** Seconds until the connection's entry expires ({@code --ctexpire}), -1 when not known. */
  default long secondsLeft() {
    return -1;
  }

  /** The connection's entry, which {@code -m connlimit} remembers; null when there is none. */
  default CtEntry entry() {
    return null;
  }

  /** Whether a connection remembered earlier still counts for {@code -m connlimit} (tracked, not closed). */
  default boolean counts(CtEntry other) {
    return false;
  }

  /** What the rules see of a tracked connection, read from its entry and the table it is in. */
  static ConnInfo of(CtState state, CtDirection direction, CtEntry e, CtQuery table) {
    return new OfEntry(state, direction, e, table);
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

  /** A tracked connection's view, read from its entry when a match asks. */
  record OfEntry(CtState state, CtDirection direction, CtEntry entry, CtQuery table) implements ConnInfo {
    @Override
    public int status() {
      return entry.status();
    }

    @Override
    public IpAddress origSrc() {
      return entry.tuple(CtDirection.ORIGINAL).src();
    }

    @Override
    public IpAddress origDst() {
      return entry.tuple(CtDirection.ORIGINAL).dst();
    }

    @Override
    public IpAddress replySrc() {
      return entry.tuple(CtDirection.REPLY).src();
    }

    @Override
    public IpAddress replyDst() {
      return entry.tuple(CtDirection.REPLY).dst();
    }

    @Override
    public int protocol() {
      return entry.protocol();
    }

    @Override
    public String helper() {
      return entry.helper();
    }

    @Override
    public int origSrcPort() {
      return srcAll(entry.tuple(CtDirection.ORIGINAL));
    }

    @Override
    public int origDstPort() {
      return dstAll(entry.tuple(CtDirection.ORIGINAL));
    }

    @Override
    public int replySrcPort() {
      return srcAll(entry.tuple(CtDirection.REPLY));
    }

    @Override
    public int replyDstPort() {
      return dstAll(entry.tuple(CtDirection.REPLY));
    }

    @Override
    public long secondsLeft() {
      return table.secondsLeft(entry);
    }

    @Override
    public boolean counts(CtEntry other) {
      return table.counts(other);
    }
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
