package io.statewall.netfilter.conntrack;

import io.statewall.netfilter.packet.Family;
import io.statewall.netfilter.packet.Packet;

/**
 * ICMP and ICMPv6 from nf_conntrack_proto_icmp.c / icmpv6.c: which types pair up (echo id
 * pairing), which may start a connection, which are errors, which are never tracked; one timeout.
 */
final class IcmpTracker extends OneTimeoutTracker {

  IcmpTracker(CtTimeouts t) {
    super(t.icmp());
  }

  /** Only a request starts a query (a packet of the other IP version's ICMP is tracked generically). */
  @Override
  public String refusesNew(CtEntry e, Packet p) {
    boolean ownIcmp = e.protocol() == e.family().icmpProtocol();
    return ownIcmp && !validNew(p.icmpType(), e.family())
        ? "ICMP type " + p.icmpType() + " cannot start a connection" : null;
  }

  /** The reply type of a query type, or -1 when it has none (the tuple cannot be inverted). */
  static int inverseType(int type, Family family) {
    if (family == Family.IPV6) {
      switch (type) {
        case 128: return 129;
        case 129: return 128;
        case 139: return 140;
        case 140: return 139;
        default: return -1;
      }
    }
    switch (type) {
      case 8: return 0;
      case 0: return 8;
      case 13: return 14;
      case 14: return 13;
      case 15: return 16;
      case 16: return 15;
      case 17: return 18;
      case 18: return 17;
      default: return -1;
    }
  }

  /** Requests that may create a connection: echo, timestamp, info, address mask (v6: echo, node info). */
  static boolean validNew(int type, Family family) {
    return family == Family.IPV6 ? type == 128 || type == 139 : type == 8 || type == 13 || type == 15 || type == 17;
  }

  /** Error messages, which quote the packet that caused them. */
  static boolean isError(int type, Family family) {
    return family == Family.IPV6 ? type < 128 : type == 3 || type == 4 || type == 5 || type == 11 || type == 12;
  }

  /** ICMPv6 multicast listener messages: Linux leaves them untracked. */
  static boolean untrackedV6(int type) {
    return type == 130 || type == 131 || type == 132 || type == 143;
  }

  /** Types above 18 are unknown to ICMPv4 and INVALID. */
  static boolean unknownV4(int type) {
    return type > 18;
  }
}
