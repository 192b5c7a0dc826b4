package io.statewall.netfilter.packet;

/** An address family: IPv4 or IPv6, and the tool whose rule files are for it (iptables, ip6tables). */
public enum Family {
  IPV4("iptables"),
  IPV6("ip6tables");

  private final String tool;

  Family(String tool) {
    this.tool = tool;
  }

  /** The family of a packet's IP header (IPv4 for a packet without one, as its rules are iptables'). */
  public static Family of(Packet p) {
    return p.ipVersion() == 6 ? IPV6 : IPV4;
  }

  /** The protocol number of this family's ICMP (1 for IPv4, 58 for IPv6). */
  public int icmpProtocol() {
    return this == IPV6 ? Packet.PROTO_ICMPV6 : Packet.PROTO_ICMP;
  }

  /** The command an administrator would use for this family. */
  public String tool() {
    return tool;
  }
}
