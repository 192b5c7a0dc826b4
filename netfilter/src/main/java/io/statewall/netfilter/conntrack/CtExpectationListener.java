package io.statewall.netfilter.conntrack;

/**
 * Told when a helper has just created an expectation, before {@link ConnTracker#confirm} returns
 * the helper's verdict: cluster replication sends it to the other members here, synchronously, so
 * that a data connection arriving at another member after a failover is still RELATED.
 *
 * <p>Called outside the table's locks on the packet's thread; it may block for a short, bounded time
 * (the verdict waits for it).
 */
@FunctionalInterface
public interface CtExpectationListener {
  /** {@code expectation} was created; it has {@code remainingMillis} to live. */
  void expected(Expectation expectation, long remainingMillis);
}
