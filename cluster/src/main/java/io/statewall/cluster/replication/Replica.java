package io.statewall.cluster.replication;

import io.statewall.netfilter.conntrack.CtSnapshot;
import io.statewall.netfilter.conntrack.CtTuple;
import io.statewall.netfilter.packet.Family;
import io.statewall.netfilter.packet.IpAddress;

/**
 * A follower's copy of one connection another member owns, as an object: the tuple flattened to primitives
 * (equal by tuple, so it is also the lookup key), the replicated state, and where it came in. The side table
 * keeps none of these ({@link ReplicaColumns}): it makes one when asked for a replica (a promotion, a
 * listing), and a key for each look-up.
 */
final class Replica {
  private static final int TCP = 6;
  private static final int UDP = 17;

  final Family family;
  final byte proto;
  final long sHi;
  final long sLo;
  final long dHi;
  final long dLo;
  /** Packed as conntrack packs them: sport<<16 | dport; ICMP id<<16 | type<<8 | code. */
  final int ports;
  private final int hash;

  byte status;
  byte tcpState;
  /** The owner's remaining timeout at its last transition, ms (not counted down while the owner lives). */
  int remainingMillis;
  /** When that transition arrived here (this member's wall clock, ms). */
  long receivedAt;
  long ingress = Change.Update.UNKNOWN_INGRESS;
  long cookie;
  String helper;
  /** The helper's pending expectation of this (control) connection; null for nearly all. */
  Change.Expect expectation;
  long expectationReceivedAt;

  private Replica(Family family, int proto, long sHi, long sLo, long dHi, long dLo, int ports) {
    this.family = family;
    this.proto = (byte) proto;
    this.sHi = sHi;
    this.sLo = sLo;
    this.dHi = dHi;
    this.dLo = dLo;
    this.ports = ports;
    this.hash = hash(sHi, sLo, dHi, dLo, ports, proto & 0xFF, family);
  }

  /** A replica's hash from its tuple's parts, as {@link #hashCode} (the side table recomputes it). */
  static int hash(long sHi, long sLo, long dHi, long dLo, int ports, int proto, Family family) {
    long h = sHi * 31 + sLo;
    h = h * 31 + dHi;
    h = h * 31 + dLo;
    h = h * 31 + ports;
    h = h * 31 + proto;
    return (int) (h ^ (h >>> 32)) ^ (family == Family.IPV6 ? 0x5bd1e995 : 0);
  }

  /** A lookup key (and replica) of the tuple given by its parts, as the side table holds them. */
  static Replica key(Family family, int proto, long sHi, long sLo, long dHi, long dLo, int ports) {
    return new Replica(family, proto, sHi, sLo, dHi, dLo, ports);
  }

  /** A replica (or a lookup key) of the connection whose ORIGINAL tuple is {@code t}. */
  static Replica of(CtTuple t) {
    return new Replica(t.src().family(), t.protocol(), t.src().hi(), t.src().lo(), t.dst().hi(), t.dst().lo(),
        packedPorts(t));
  }

  /** {@code t}'s ports as conntrack packs them: ICMP's id, type and code; TCP's and UDP's ports; else 0. */
  static int packedPorts(CtTuple t) {
    if (t.icmpType() >= 0) {
      return (t.icmpId() << 16) | ((t.icmpType() & 0xFF) << 8) | (t.icmpCode() & 0xFF);
    } else if (t.protocol() == TCP || t.protocol() == UDP) {
      return (t.srcPort() << 16) | (t.dstPort() & 0xFFFF);
    }
    return 0;
  }

  CtTuple tuple() {
    IpAddress s = family == Family.IPV6 ? IpAddress.v6(sHi, sLo) : IpAddress.v4((int) sLo);
    IpAddress d = family == Family.IPV6 ? IpAddress.v6(dHi, dLo) : IpAddress.v4((int) dLo);
    int p = proto & 0xFF;
    if (p == family.icmpProtocol()) {
      return CtTuple.icmp(s, d, p, (ports >>> 8) & 0xFF, ports & 0xFF, ports >>> 16);
    }
    if (p == TCP || p == UDP) {
      return CtTuple.ports(s, d, p, ports >>> 16, ports & 0xFFFF);
    }
    return CtTuple.generic(s, d, p);
  }

  CtSnapshot snapshot() {
    return new CtSnapshot(tuple(), status & 0xFF, tcpState, remainingMillis, helper);
  }

  /** Past its timeout, counted from when it arrived (only applied once its owner is gone). */
  boolean expired(long now) {
    return now - receivedAt > remainingMillis;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Replica r && r.hash == hash && r.ports == ports && r.sLo == sLo && r.dLo == dLo
        && r.sHi == sHi && r.dHi == dHi && r.proto == proto && r.family == family;
  }

  @Override
  public int hashCode() {
    return hash;
  }

  @Override
  public String toString() {
    return tuple() + " status=" + status + " tcp=" + tcpState + " ingress=" + ingress;
  }
}
