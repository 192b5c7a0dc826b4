package io.statewall.netfilter.policy;

import io.statewall.netfilter.packet.IpAddress;

/**
 * Where the network says a source address lives, for {@code -m rpfilter} in the network rule set:
 * the firewall answers from the hosts its topology has learned (and the gateways they sit behind).
 */
@FunctionalInterface
public interface ReversePath {
  /**
   * Whether {@code src} lives behind {@code ingress} (strict: the reverse path leaves by the port the
   * packet came in by), or is reachable anywhere in the network ({@code loose}).
   */
  boolean lives(IpAddress src, SwitchPort ingress, boolean loose);

  /**
   * No topology to ask (a policy check, a trace, a test): every source passes, as on a host whose
   * single interface routes every address.
   */
  ReversePath UNLOCATED = (src, ingress, loose) -> true;
}
