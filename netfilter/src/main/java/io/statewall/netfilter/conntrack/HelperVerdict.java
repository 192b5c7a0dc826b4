package io.statewall.netfilter.conntrack;

/**
 * What {@link ConnTracker#confirm} decided after the filter accepted a packet: accept, or drop
 * (a helper rejected a malformed command, or the table could not take the connection).
 *
 * @param accept false when the packet must be dropped
 * @param reason why it is dropped (null when accepted)
 */
public record HelperVerdict(boolean accept, String reason) {

  public static final HelperVerdict ACCEPT = new HelperVerdict(true, null);

  public static HelperVerdict drop(String reason) {
    return new HelperVerdict(false, reason);
  }
}
