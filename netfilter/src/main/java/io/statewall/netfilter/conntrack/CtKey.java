package io.statewall.netfilter.conntrack;

import io.statewall.netfilter.packet.Family;
import io.statewall.netfilter.packet.IpAddress;
import io.statewall.netfilter.packet.Packet;

/**
 * A lookup key: one direction's tuple, flattened, with a hash that is symmetric in the two
 * endpoints so that both directions of a connection land in the same bucket.
 */
final class CtKey {

  final Family family;
  final boolean icmp;
  final int proto;
  final long sHi;
  final long sLo;
  final long dHi;
  final long dLo;
  final int ports;
  final int icmpType;
  final int icmpCode;
  final int icmpId;
  final int hash;

  private CtKey(Family family, int proto, IpAddress s, IpAddress d, int sport, int dport, int type,
      int code, int id) {
    this.family = family;
    this.proto = proto;
    this.icmp = proto == family.icmpProtocol();
    this.sHi = s.hi();
    this.sLo = s.lo();
    this.dHi = d.hi();
    this.dLo = d.lo();
    boolean withPorts = proto == Packet.PROTO_TCP || proto == Packet.PROTO_UDP;
    if (icmp) {
      this.ports = (id << 16) | ((type & 0xFF) << 8) | (code & 0xFF);
      this.icmpType = type;
      this.icmpCode = code;
      this.icmpId = id;
      this.hash = hash(sHi, sLo, id, dHi, dLo, id, proto);
    } else {
      this.ports = withPorts ? (sport << 16) | (dport & 0xFFFF) : 0;
      this.icmpType = -1;
      this.icmpCode = -1;
      this.icmpId = -1;
      this.hash = withPorts ? hash(sHi, sLo, sport, dHi, dLo, dport, proto)
          : hash(sHi, sLo, 0, dHi, dLo, 0, proto);
    }
  }

  static CtKey of(Packet p) {
    return new CtKey(Family.of(p), p.protocol(), p.src(), p.dst(), p.srcPort(), p.dstPort(),
        p.icmpType(), p.icmpCode(), p.icmpId());
  }

  /** The mirror of a quoted packet's tuple, or null when it has none (ICMP without a reply type). */
  static CtKey inverseOf(Packet q) {
    Family family = Family.of(q);
    if (q.protocol() == family.icmpProtocol()) {
      int inv = IcmpTracker.inverseType(q.icmpType(), family);
      if (inv < 0 || q.icmpId() < 0) {
        return null;
      }
      return new CtKey(family, q.protocol(), q.dst(), q.src(), -1, -1, inv, q.icmpCode(), q.icmpId());
    }
    return new CtKey(family, q.protocol(), q.dst(), q.src(), q.dstPort(), q.srcPort(), -1, -1, -1);
  }

  static CtKey of(CtTuple t) {
    return new CtKey(t.src().family(), t.protocol(), t.src(), t.dst(), t.srcPort(), t.dstPort(),
        t.icmpType(), t.icmpCode(), t.icmpId());
  }

  static CtKey ofEntry(CtEntry e) {
    return of(e.tuple(CtDirection.ORIGINAL));
  }

  private static int hash(long aHi, long aLo, int aPort, long bHi, long bLo, int bPort, int proto) {
    long a = mix(aHi * 0x9E3779B97F4A7C15L ^ aLo ^ ((long) aPort << 32));
    long b = mix(bHi * 0x9E3779B97F4A7C15L ^ bLo ^ ((long) bPort << 32));
    long h = mix((a + b) ^ proto);
    return (int) (h ^ (h >>> 32));
  }

  private static long mix(long z) {
    z = (z ^ (z >>> 33)) * 0xff51afd7ed558ccdL;
    z = (z ^ (z >>> 33)) * 0xc4ceb9fe1a85ec53L;
    return z ^ (z >>> 33);
  }

  /** 0 when this key is e's ORIGINAL tuple, 1 when its REPLY tuple, -1 otherwise. */
  int matchDir(CtEntry e) {
    if (e.protocol() != proto || e.family() != family) {
      return -1;
    }
    if (icmp) {
      if ((e.ports >>> 16) != icmpId || (e.ports & 0xFF) != icmpCode) {
        return -1;
      }
      int origType = (e.ports >>> 8) & 0xFF;
      if (icmpType == origType && e.addressesAre(sHi, sLo, dHi, dLo)) {
        return 0;
      }
      if (icmpType == IcmpTracker.inverseType(origType, family) && e.addressesAre(dHi, dLo, sHi, sLo)) {
        return 1;
      }
      return -1;
    }
    if (e.ports == ports && e.addressesAre(sHi, sLo, dHi, dLo)) {
      return 0;
    }
    int swapped = (ports >>> 16) | (ports << 16);
    if (e.ports == swapped && e.addressesAre(dHi, dLo, sHi, sLo)) {
      return 1;
    }
    return -1;
  }
}
