package io.statewall.netfilter.policy;

import io.statewall.netfilter.rules.LogRecord;
import io.statewall.netfilter.rules.Verdict;
import java.util.List;

/**
 * The filter tables' verdict on a packet along its path (source OUTPUT, network FORWARD, destination
 * INPUT).
 *
 * @param rejectWith the REJECT type when {@code verdict} is REJECT, else null
 * @param decidedBy the rule (or chain policy) that refused, or when all accepted the last one that
 *     accepted; null when no rule set applied at all
 * @param logs every LOG that fired, in path order
 * @param offloadable true only when every later packet of the connection, in this direction and ct
 *     state, must get the same verdict: no rule on the walks that could match looks at per-packet fields
 */
public record FilterDecision(Verdict verdict, String rejectWith, Decider decidedBy, List<LogRecord> logs,
    boolean offloadable) {
  public FilterDecision {
    logs = List.copyOf(logs);
  }

  public boolean accepted() {
    return verdict == Verdict.ACCEPT;
  }
}
