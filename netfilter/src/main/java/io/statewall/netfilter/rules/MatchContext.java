package io.statewall.netfilter.rules;

import java.util.function.LongSupplier;

/**
 * What the stateful matches of one rule set share while it is read: the clock their buckets and
 * lists run on, and the rule set's {@code -m recent} lists (one set per rule set, as one kernel).
 */
record MatchContext(LongSupplier nanoClock, RecentLists recent) {
  static MatchContext of(LongSupplier nanoClock) {
    return new MatchContext(nanoClock, new RecentLists(nanoClock));
  }
}
