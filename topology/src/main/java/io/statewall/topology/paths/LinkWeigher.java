package io.statewall.topology.paths;

import io.statewall.topology.Link;

/** The cost of crossing a link; paths minimise the sum. */
@FunctionalInterface
public interface LinkWeigher {

  /** Every link costs 1: shortest means fewest hops. */
  LinkWeigher HOP_COUNT = link -> 1;

  /** A positive weight. */
  long weight(Link link);
}
