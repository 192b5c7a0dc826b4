package io.statewall.operator.source;

import io.statewall.netfilter.conntrack.CtDirection;
import io.statewall.netfilter.conntrack.CtEntry;
import io.statewall.netfilter.packet.Packet;
import io.statewall.netfilter.policy.FilterDecision;
import io.statewall.netfilter.policy.PathContext;
import io.statewall.netfilter.policy.Policy;
import java.util.Map;

/** The running policy, what the firewall would say under another one, and replacing it. */
public interface PolicyControl {
  Policy current();

  /** What {@code policy} says of the next established packet of {@code entry} in {@code dir}. */
  FilterDecision judgeEstablished(Policy policy, CtEntry entry, CtDirection dir);

  /** Whether {@code policy} would keep {@code entry}'s switch entries. */
  boolean stillCarried(Policy policy, CtEntry entry);

  /** The hosts and ports a packet would meet under {@code policy}, as the firewall finds them. */
  PathContext hostContext(Policy policy, Packet packet);

  /** Replaces the policy atomically (removing the entries it no longer carries). */
  void apply(Policy next);

  /**
   * Replaces the policy with {@code next}, compiled from this text: the policy YAML called {@code name}
   * and its rule files by the names it gives them. A cluster member commits the text instead, and every
   * member compiles it; on its own, as {@link #apply(Policy)}.
   */
  default void apply(Policy next, String name, String policy, Map<String, String> files) {
    apply(next);
  }
}
