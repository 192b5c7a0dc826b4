package io.statewall.netfilter.policy;

/**
 * Where a packet goes: the source and destination hosts as {@link Policy#hostFor} resolved them
 * (null when the address belongs to no host), and the switch ports where it enters and leaves the
 * network (null when unknown; then no network {@code -i}/{@code -o} rule matches).
 */
public record PathContext(String srcHost, String dstHost, SwitchPort ingress, SwitchPort egress) {}
