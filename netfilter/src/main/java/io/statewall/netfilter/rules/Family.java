package io.statewall.netfilter.rules;

import io.statewall.netfilter.packet.Packet;

/** Which tool a rule file belongs to: iptables (IPv4) or ip6tables (IPv6). */
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

  /** The command an administrator would use for this family. */
  public String tool() {
    return tool;
  }
}
