package io.statewall.netfilter.conntrack;

import io.statewall.netfilter.packet.IpAddress;

/**
 * One direction of a connection, as {@code conntrack -L} prints it: addresses, protocol, and ports
 * (TCP/UDP), or ICMP type, code and identifier (then {@code srcPort}/{@code dstPort} are -1).
 */
public record CtTuple(IpAddress src, IpAddress dst, int protocol, int srcPort, int dstPort,
    int icmpType, int icmpCode, int icmpId) {

  public static CtTuple ports(IpAddress src, IpAddress dst, int protocol, int srcPort, int dstPort) {
    return new CtTuple(src, dst, protocol, srcPort, dstPort, -1, -1, -1);
  }

  public static CtTuple ports(String src, String dst, int protocol, int srcPort, int dstPort) {
    return ports(IpAddress.parse(src), IpAddress.parse(dst), protocol, srcPort, dstPort);
  }

  public static CtTuple icmp(IpAddress src, IpAddress dst, int protocol, int type, int code, int id) {
    return new CtTuple(src, dst, protocol, -1, -1, type, code, id);
  }

  /** Generic protocols (neither ports nor ICMP): addresses and protocol only. */
  public static CtTuple generic(IpAddress src, IpAddress dst, int protocol) {
    return new CtTuple(src, dst, protocol, -1, -1, -1, -1, -1);
  }

  boolean isIcmp() {
    return icmpType >= 0;
  }
}
