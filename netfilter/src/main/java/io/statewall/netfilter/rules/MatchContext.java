package io.statewall.netfilter.rules;

import java.util.function.LongSupplier;

/**
 * What the stateful matches of one rule set share while it is read: the clocks their buckets,
 * lists and time windows run on, the rule set's {@code -m recent} lists and its {@code -m hashlimit} tables (one set
 * per rule set, as one kernel), and the policy's ipsets for {@code -m set}.
 */
record MatchContext(LongSupplier nanoClock, LongSupplier epochMillis, RecentLists recent,
    HashLimitMatch.Tables hashLimits, IpSets sets) {
  static MatchContext of(LongSupplier nanoClock, LongSupplier epochMillis, IpSets sets) {
    return new MatchContext(nanoClock, epochMillis, new RecentLists(nanoClock), new HashLimitMatch.Tables(nanoClock),
        sets);
  }
}
