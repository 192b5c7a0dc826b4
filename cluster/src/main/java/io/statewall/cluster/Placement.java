package io.statewall.cluster;

import java.util.Locale;

/**
 * How the cluster spreads switch mastership over its ready members; committed once through the Raft log
 * (the first leader's setting), so every member places with the same rule.
 */
public enum Placement {
  /**
   * Each switch to its own rendezvous winner: load spread over the members. Right when no connection's
   * path crosses switches of two masters (one switch per site, or switches with disjoint hosts): a member
   * writes only to the switches it masters, and learns links only between them.
   */
  PER_SWITCH,
  /**
   * Every switch to one member (the others hot standbys with the replicated conntrack): paths that cross
   * switches are discovered and written by that one master. A failover moves the whole network to one heir.
   */
  NETWORK;

  /** Its name on the command line and in a config file: {@code per-switch}, {@code network}. */
  public String optionName() {
    return name().toLowerCase(Locale.ROOT).replace('_', '-');
  }

  public static Placement parse(String text) {
    for (Placement p : values()) {
      if (p.optionName().equals(text)) {
        return p;
      }
    }
    throw new IllegalArgumentException("mastership '" + text + "': expected per-switch or network");
  }
}
