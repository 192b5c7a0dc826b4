package io.statewall.netfilter.conntrack;

import io.statewall.netfilter.packet.Family;
import io.statewall.netfilter.packet.IpAddress;
import io.statewall.netfilter.packet.Packet;

/**
 * One tracked connection: a read-only view for callers, mutated only by the tracker under its lock.
 *
 * <p>Only the ORIGINAL tuple is stored (there is no NAT: the REPLY tuple is its mirror), and nearly
 * every field is a primitive (an IPv4 connection's two addresses in one long), so that an IPv4
 * connection takes 152 bytes (JOL, 64-bit with compressed pointers). Getters
 * read live values; use them on the thread that classified the packet, or take {@link #tuple}s and
 * the state as a snapshot.
 */
public final class CtEntry extends CtEntryHead {

  /** Status bits, as Linux's IPS_* (only the ones that matter without NAT). */
  public static final int EXPECTED = 1;
  public static final int SEEN_REPLY = 1 << 1;
  public static final int ASSURED = 1 << 2;
  public static final int CONFIRMED = 1 << 3;
  public static final int DYING = 1 << 9;

  int status;
  /** Protocol state: TCP state index (TcpTracker.NONE..SYN_SENT2); unused by others. */
  byte tcpState;
  byte lastIndex;
  byte lastDir;
  byte retrans;
  byte lastFlags;
  byte lastWscale;
  /** Window tracking, per direction (0 = ORIGINAL, 1 = REPLY), as Linux's ip_ct_tcp_state. */
  byte flags0;
  byte flags1;
  byte scale0;
  byte scale1;
  int end0;
  int maxend0;
  int maxwin0;
  int maxack0;
  int end1;
  int maxend1;
  int maxwin1;
  int maxack1;
  /**
   * TCP: the last segment's sequence and acknowledgement numbers. Other protocols: the creation time
   * ({@link #created()}), which only UDP reads, in these two ints that only TCP uses otherwise, as
   * Linux keeps protocol state in one union ({@code nf_conntrack_proto}).
   */
  int lastSeq;
  int lastAck;
  int lastEnd;
  int lastWin;
  /**
   * Offloaded TCP, per direction: how far (sequence bytes, an upper bound from the switch's byte
   * counters) the sender may have gone past its {@code end} since a packet of ours showed it;
   * {@link TcpTracker#UNSEEN_UNKNOWN} until one has (and for connections adopted from switches).
   */
  int unseen0 = TcpTracker.UNSEEN_UNKNOWN;
  int unseen1 = TcpTracker.UNSEEN_UNKNOWN;
  /** The largest window either side had advertised when the windows were last forgotten. */
  int offloadWin;

  /** Absolute expiry time in clock milliseconds. */
  long expires;
  long packets0;
  long bytes0;
  long packets1;
  long bytes1;

  /** Helper, master and expectation: null for the vast majority of connections. */
  CtExtra extra;
  /**
   * What the offload layer keeps for this connection (its flow cookie, the switch counters last
   * seen), null when the switches do not carry it: here rather than in maps beside the table, which
   * cost about 400 bytes per offloaded connection. Conntrack itself never reads it.
   */
  private volatile Object offload;

  CtEntry(long srcHi, long srcLo, long dstHi, long dstLo, int ports, int proto, Family family, int hash) {
    super(srcHi, srcLo, dstHi, dstLo, ports, proto, family, hash);
  }

  /**
   * The tuple's hash. Stored, though it can be computed from the tuple: a SYN run at 3 million
   * connections lost 9 % of its rate computing it to link, lock and resize (session 12), and with the
   * creation time gone the field fits in the instance's alignment (160 bytes either way).
   */
  int hash() {
    return hash;
  }

  long srcHi() {
    return v6 == null ? 0 : v6[0];
  }

  long srcLo() {
    return v6 == null ? v4 >>> 32 : v6[1];
  }

  long dstHi() {
    return v6 == null ? 0 : v6[2];
  }

  long dstLo() {
    return v6 == null ? v4 & 0xFFFF_FFFFL : v6[3];
  }

  /**
   * Whether the ORIGINAL tuple's addresses are {@code (sHi, sLo)} to {@code (dHi, dLo)}, as {@link
   * IpAddress} holds them (an IPv4 address in the low 32 bits of lo, hi 0), of this entry's family.
   */
  boolean addressesAre(long sHi, long sLo, long dHi, long dLo) {
    long[] a = v6;
    if (a == null) {
      return (sHi | dHi) == 0 && v4 == ((sLo << 32) | dLo);
    }
    return a[1] == sLo && a[3] == dLo && a[0] == sHi && a[2] == dHi;
  }

  /** Creation time (clock ms) of a connection that is not TCP: UDP's "still active after 2 s". */
  long created() {
    return ((long) lastSeq << 32) | (lastAck & 0xFFFF_FFFFL);
  }

  /** Sets {@link #created()}; TCP keeps its segment numbers there and no creation time. */
  void created(long now) {
    if (proto != Packet.PROTO_TCP) {
      lastSeq = (int) (now >>> 32);
      lastAck = (int) now;
    }
  }

  /**
   * IPv4: the ORIGINAL tuple's source address in the high 32 bits, its destination in the low; 0 for
   * IPv6. For comparing a tuple without building one.
   */
  public long v4Addresses() {
    return v4;
  }

  /** The ORIGINAL tuple's TCP/UDP sport << 16 | dport, ICMP id << 16 | type << 8 | code, else 0. */
  public int packedPorts() {
    return ports;
  }

  /** The IP protocol number. */
  public int protocol() {
    return proto & 0xFF;
  }

  public Family family() {
    return v6 == null ? Family.IPV4 : Family.IPV6;
  }

  /** The tuple of the given direction (REPLY is the mirror of ORIGINAL). */
  public CtTuple tuple(CtDirection dir) {
    Family family = family();
    IpAddress s = family == Family.IPV4 ? IpAddress.v4((int) srcLo()) : IpAddress.v6(srcHi(), srcLo());
    IpAddress d = family == Family.IPV4 ? IpAddress.v4((int) dstLo()) : IpAddress.v6(dstHi(), dstLo());
    int p = protocol();
    if (isIcmpProto()) {
      int type = (ports >>> 8) & 0xFF;
      int code = ports & 0xFF;
      int id = ports >>> 16;
      return dir == CtDirection.ORIGINAL ? CtTuple.icmp(s, d, p, type, code, id)
          : CtTuple.icmp(d, s, p, IcmpTracker.inverseType(type, family), code, id);
    }
    if (hasPorts()) {
      int sp = ports >>> 16;
      int dp = ports & 0xFFFF;
      return dir == CtDirection.ORIGINAL ? CtTuple.ports(s, d, p, sp, dp) : CtTuple.ports(d, s, p, dp, sp);
    }
    return dir == CtDirection.ORIGINAL ? CtTuple.generic(s, d, p) : CtTuple.generic(d, s, p);
  }

  /** Status bits (EXPECTED, SEEN_REPLY, ASSURED, CONFIRMED). */
  public int status() {
    return status;
  }

  public boolean hasStatus(int bit) {
    return (status & bit) != 0;
  }

  /** The TCP state name as conntrack prints it ("ESTABLISHED"), or null for other protocols. */
  public String tcpStateName() {
    return proto == Packet.PROTO_TCP ? TcpTracker.stateName(tcpState) : null;
  }

  /** Expiry time in the tracker clock's milliseconds. */
  public long expiresAtMillis() {
    return expires;
  }

  /** The helper attached ("ftp"), or null. */
  public String helper() {
    CtExtra x = extra;
    return x == null || x.helper == null ? null : x.helper.name();
  }

  /** The connection whose expectation created this one (RELATED), or null. */
  public CtEntry master() {
    CtExtra x = extra;
    return x == null ? null : x.master;
  }

  public long packets(CtDirection dir) {
    return dir == CtDirection.ORIGINAL ? packets0 : packets1;
  }

  public long bytes(CtDirection dir) {
    return dir == CtDirection.ORIGINAL ? bytes0 : bytes1;
  }

  /** The offload layer's state for this connection, or null. */
  public Object offload() {
    return offload;
  }

  /** Set by the offload layer (null clears). */
  public void offload(Object state) {
    offload = state;
  }

  boolean isIcmpProto() {
    return proto == Packet.PROTO_ICMP || proto == Packet.PROTO_ICMPV6;
  }

  boolean hasPorts() {
    return proto == Packet.PROTO_TCP || proto == Packet.PROTO_UDP;
  }

  CtExtra extra() {
    CtExtra x = extra;
    if (x == null) {
      x = new CtExtra();
      extra = x;
    }
    return x;
  }

  @Override
  public String toString() {
    return tuple(CtDirection.ORIGINAL).toString();
  }
}
