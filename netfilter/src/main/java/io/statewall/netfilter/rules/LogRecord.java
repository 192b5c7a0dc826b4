package io.statewall.netfilter.rules;

/** A {@code -j LOG} that fired: the prefix and syslog level it asks for, and the rule. */
public record LogRecord(String prefix, int level, Rule rule) {}
