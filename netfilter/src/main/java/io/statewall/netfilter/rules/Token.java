package io.statewall.netfilter.rules;

/** One word of a rule line after iptables-restore's quoting rules, with its 1-based column. */
public record Token(String text, int column) {}
