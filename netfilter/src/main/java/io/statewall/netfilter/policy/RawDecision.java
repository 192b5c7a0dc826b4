package io.statewall.netfilter.policy;

import io.statewall.netfilter.rules.LogRecord;
import io.statewall.netfilter.rules.Verdict;
import java.util.List;

/**
 * The raw tables' word on a packet, before conntrack: dropped or not, left untracked or not, and the
 * helper to attach to a new connection (from {@code CT --helper} or the policy's {@code helpers.ftp}).
 *
 * @param decidedBy the rule that dropped, or set the template, or null
 */
public record RawDecision(Verdict verdict, boolean notrack, String helper, List<LogRecord> logs, Decider decidedBy) {
  public RawDecision {
    logs = List.copyOf(logs);
  }

  public static final RawDecision NOTHING = new RawDecision(Verdict.ACCEPT, false, null, List.of(), null);
}
