package io.statewall.netfilter.policy;

import io.statewall.netfilter.rules.Outcome;

/**
 * What decided: which rule set ("host 10.0.0.1 rules", "network rules6"), the file and line of the
 * rule (line 0 when a chain's policy decided), its text as iptables-save prints it, and the chain.
 */
public record Decider(String ruleSet, String file, int line, String text, String chain) {

  static Decider of(String ruleSet, String file, Outcome o) {
    if (o.rule() == null) {
      return new Decider(ruleSet, file, 0, "policy " + o.verdict() + " of " + o.chain(), o.chain());
    }
    return new Decider(ruleSet, o.rule().file(), o.rule().line(), o.rule().text(), o.rule().chain());
  }

  @Override
  public String toString() {
    return ruleSet + " " + (line > 0 ? file + ":" + line + " " : "") + text;
  }
}
