package io.statewall.netfilter.rules;

/** Which tool a rule file belongs to: iptables (IPv4) or ip6tables (IPv6). */
public enum Family {
  IPV4("iptables"),
  IPV6("ip6tables");

  private final String tool;

  Family(String tool) {
    this.tool = tool;
  }

  /** The command an administrator would use for this family. */
  public String tool() {
    return tool;
  }
}
