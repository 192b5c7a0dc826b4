package io.statewall.netfilter.policy;

/**
 * Where a packet goes: the source and destination hosts as {@link Policy#hostFor} resolved them
 * (null when the address belongs to no host), and the switch ports where it enters and leaves the
 * network (null when unknown; then no network {@code -i}/{@code -o} rule matches).
 *
 * <p>{@code srcRoutes} / {@code dstRoutes}: the host at that end is a gateway the policy declares
 * and the packet only crosses it (it comes from or goes to an address beyond it), so that host's
 * FORWARD chain applies instead of its OUTPUT / INPUT, as on the gateway itself.
 *
 * <p>{@code reversePath}: where the network says a source lives, for {@code -m rpfilter}.
 */
public record PathContext(String srcHost, String dstHost, SwitchPort ingress, SwitchPort egress,
    boolean srcRoutes, boolean dstRoutes, ReversePath reversePath) {

  public PathContext(String srcHost, String dstHost, SwitchPort ingress, SwitchPort egress) {
    this(srcHost, dstHost, ingress, egress, false, false);
  }

  /** A path whose sources are not located ({@link ReversePath#UNLOCATED}): for traces and tests. */
  public PathContext(String srcHost, String dstHost, SwitchPort ingress, SwitchPort egress, boolean srcRoutes,
      boolean dstRoutes) {
    this(srcHost, dstHost, ingress, egress, srcRoutes, dstRoutes, ReversePath.UNLOCATED);
  }

  /** The same path travelled the other way. */
  public PathContext reversed() {
    return new PathContext(dstHost, srcHost, egress, ingress, dstRoutes, srcRoutes, reversePath);
  }
}
