package io.statewall.firewall;

/**
 * Knobs of the firewall app that the policy file does not set.
 *
 * @param dropEntrySeconds hard timeout of the exact drop entries for refused new connections (0: none)
 * @param priority priority of the per-connection flow entries
 * @param statsSeconds how often offloaded connections are refreshed from the switches' counters
 *     (well under the shortest conntrack timeout, ICMP's 30 s)
 */
public record FirewallSettings(int dropEntrySeconds, int priority, int statsSeconds) {
  public static final FirewallSettings DEFAULTS = new FirewallSettings(5, 100, 10);
}
