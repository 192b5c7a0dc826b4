package io.statewall.netfilter.conntrack;

import io.statewall.netfilter.packet.Family;

/**
 * The fields of a {@link CtEntry} that a hash chain's walk reads: its tuple, its hash and the next
 * link. In a superclass because the JVM lays a superclass's fields out first, so these share the
 * object's first cache line with its header; in one class they came last (references after every primitive) and
 * every entry a walk passed cost two cache lines where it needs one.
 */
abstract class CtEntryHead {
  // ORIGINAL tuple.
  /**
   * IPv4: the source address in the high 32 bits, the destination in the low (one compare finds a
   * direction); 0 for IPv6. Four longs of which two were always 0 cost every IPv4 connection 16 bytes.
   */
  final long v4;
  /** IPv6 only: source high and low halves, destination high and low halves; null for IPv4. */
  final long[] v6;
  /** TCP/UDP: sport<<16 | dport. ICMP: id<<16 | type<<8 | code. Generic: 0. */
  final int ports;
  /** The tuple's hash, {@link CtKey#hash} of either direction: what links, unlinks and locks the entry. */
  final int hash;
  final byte proto;
  /** Next entry in the hash chain (guarded by the shard lock). */
  CtEntry next;

  CtEntryHead(long srcHi, long srcLo, long dstHi, long dstLo, int ports, int proto, Family family,
      int hash) {
    if (family == Family.IPV6) {
      this.v4 = 0;
      this.v6 = new long[] {srcHi, srcLo, dstHi, dstLo};
    } else {
      this.v4 = (srcLo << 32) | (dstLo & 0xFFFF_FFFFL);
      this.v6 = null;
    }
    this.ports = ports;
    this.hash = hash;
    this.proto = (byte) proto;
  }
}
