package io.statewall.netfilter.rules;

import java.util.List;

/** A chain and its rules; {@code policy} is ACCEPT or DROP for built-in chains, null for user chains. */
public record Chain(String name, Target.Standard policy, List<Rule> rules) {
  public Chain {
    rules = List.copyOf(rules);
  }

  public boolean builtin() {
    return policy != null;
  }
}
