package io.statewall.netfilter.conntrack;

/**
 * Read-only questions the rules ask the table about a connection they hold: how long it has left
 * ({@code -m conntrack --ctexpire}) and whether it still counts ({@code -m connlimit}).
 */
public interface CtQuery {
  /**
   * Whole seconds until {@code e} expires, rounded down as the kernel's nf_ct_expires / HZ (so within
   * one jiffy of a refresh, its state's timeout): 0 once expired, and for a connection
   * not confirmed yet (the kernel's unconfirmed timeout is not yet absolute and reads as 0).
   */
  long secondsLeft(CtEntry e);

  /**
   * Whether {@code e} is in the table, unexpired and not closed (TCP in TIME_WAIT or CLOSE): the
   * connections nf_conncount keeps counting.
   */
  boolean counts(CtEntry e);
}
