package io.statewall.firewall;

import io.statewall.netfilter.conntrack.CtDirection;
import io.statewall.netfilter.conntrack.CtState;
import io.statewall.netfilter.policy.Decider;
import io.statewall.netfilter.rules.Verdict;
import java.util.Set;

/**
 * What the firewall decided for one packet and why: the verdict, the rule that decided it, the
 * packet's conntrack state, and which directions of its connection the switches may now carry.
 *
 * @param verdict ACCEPT, DROP or REJECT
 * @param state the conntrack state the rules saw
 * @param decidedBy the deciding rule (or chain policy); null when conntrack or a helper decided
 * @param reason why conntrack or a helper dropped the packet, else null
 * @param install directions to offload, relative to this packet (ORIGINAL: its own direction)
 * @param dropCacheable for a DROP: a short exact drop entry cannot change a later verdict (the
 *     packet starts no connection and the deciding rules ignore per-packet fields)
 */
public record Judgement(Verdict verdict, CtState state, Decider decidedBy, String reason,
    Set<CtDirection> install, boolean dropCacheable) {

  public Judgement {
    install = Set.copyOf(install);
  }

  static Judgement dropped(CtState state, Decider by, String reason) {
    return new Judgement(Verdict.DROP, state, by, reason, Set.of(), false);
  }

  public boolean accepted() {
    return verdict == Verdict.ACCEPT;
  }

  @Override
  public String toString() {
    return verdict + " " + state + (decidedBy != null ? " by " + decidedBy : "")
        + (reason != null ? " (" + reason + ")" : "") + (install.isEmpty() ? "" : " offload " + install);
  }
}
