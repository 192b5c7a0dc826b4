package io.statewall.firewall.forwarding;

import io.statewall.netfilter.packet.Family;

/** ICMP query types and their replies: the ICMP messages that form a two-way exchange. */
final class IcmpQueries {

  private IcmpQueries() {}

  /** The type that answers {@code type} (and the reverse), or -1 if it has no partner. */
  static int replyType(Family family, int type) {
    if (family == Family.IPV6) {
      return switch (type) {
        case 128 -> 129; // echo request -> reply
        case 129 -> 128;
        default -> -1;
      };
    }
    return switch (type) {
      case 8 -> 0; // echo
      case 0 -> 8;
      case 13 -> 14; // timestamp
      case 14 -> 13;
      case 15 -> 16; // information
      case 16 -> 15;
      case 17 -> 18; // address mask
      case 18 -> 17;
      default -> -1;
    };
  }

  /** One number for both types of a query pair (the larger), so request and reply name the same connection. */
  static int pairKey(Family family, int type) {
    int reply = replyType(family, type);
    return reply < 0 ? type : Math.max(type, reply);
  }
}
