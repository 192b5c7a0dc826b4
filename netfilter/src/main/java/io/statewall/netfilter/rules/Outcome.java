package io.statewall.netfilter.rules;

import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * What walking one built-in chain of one table gave for a packet.
 *
 * @param verdict ACCEPT, DROP or REJECT
 * @param rule the rule whose target decided, or null when the chain's policy did
 * @param chain the built-in chain whose policy decided, or the chain holding {@code rule}
 * @param rejectWith the REJECT type ("icmp-port-unreachable", "tcp-reset"...), or null
 * @param logs LOG targets that fired on the way, in order
 * @param ct the raw table's CT template set on the way (the first one wins, as in the kernel), or null
 * @param offloadable false when a later packet of the same connection, direction and state could
 *     get a different result, because a rule on the walk looks at a per-packet field
 */
public record Outcome(Verdict verdict, Rule rule, String chain, String rejectWith, List<LogRecord> logs,
    Target.Ct ct, boolean offloadable) {

  public Outcome {
    logs = List.copyOf(logs);
  }

  private static final Map<String, Outcome> WITHOUT_RULES = Stream.of(
      "PREROUTING", "INPUT", "FORWARD", "OUTPUT", "POSTROUTING")
      .collect(Collectors.toUnmodifiableMap(c -> c, c -> new Outcome(Verdict.ACCEPT, null, c, null, List.of(), null, true)));

  /**
   * The outcome when there is no rule set: Linux with empty tables accepts. Shared for the built-in
   * chains: a host without a raw table answers every packet so.
   */
  public static Outcome acceptedWithoutRules(String chain) {
    Outcome shared = WITHOUT_RULES.get(chain);
    return shared != null ? shared : new Outcome(Verdict.ACCEPT, null, chain, null, List.of(), null, true);
  }
}
