package io.statewall.it.firewall;

import java.util.List;
import java.util.Map;

/**
 * One row of the differential suite: rule sets for some hosts (iptables-save text, as a host's own
 * netfilter loads it), the traffic, and the outcomes both netfilter and statewall must give.
 *
 * @param name what the row shows
 * @param rules host name (h1..h4) to its rules; hosts not named have none
 * @param traffic the probes, run alike on either side
 * @param expected the outcomes, one per probe
 * @param statewallExpected null when both sides must agree; else statewall's outcomes for a
 *     deliberate difference (the kernel's are {@code expected})
 */
record Scenario(String name, Map<String, String> rules, Traffic traffic, List<String> expected,
    List<String> statewallExpected) {

  /** The probes of a scenario on one side. */
  @FunctionalInterface
  interface Traffic {
    List<String> run(Probes p, String tag) throws Exception;
  }

  static Scenario same(String name, Map<String, String> rules, Traffic traffic, String... expected) {
    return new Scenario(name, rules, traffic, List.of(expected), null);
  }

  Scenario deliberately(String... statewall) {
    return new Scenario(name, rules, traffic, expected, List.of(statewall));
  }

  boolean deliberate() {
    return statewallExpected != null;
  }

  @Override
  public String toString() {
    return name;
  }
}
