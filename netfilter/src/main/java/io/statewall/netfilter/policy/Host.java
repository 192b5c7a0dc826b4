package io.statewall.netfilter.policy;

import io.statewall.netfilter.packet.Family;
import io.statewall.netfilter.rules.Cidr;
import io.statewall.netfilter.rules.RuleSet;
import java.util.List;

/** A host of the policy: its id, its addresses (v4 and v6, each an address or a CIDR) and rule sets. */
public record Host(String id, List<Cidr> addresses, RuleSet rules, RuleSet rules6) {
  public Host {
    addresses = List.copyOf(addresses);
  }

  /** The host's rule set for {@code family}'s packets, or null when it has none. */
  public RuleSet rules(Family family) {
    return family == Family.IPV6 ? rules6 : rules;
  }
}
