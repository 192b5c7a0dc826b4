package io.statewall.netfilter.policy;

import io.statewall.netfilter.rules.Verdict;

/**
 * One chain a packet walks on its path, for a trace: the rule set, table and built-in chain, what
 * the walk answered, and the rule (or chain policy) that answered it.
 */
public record ChainStep(String ruleSet, String table, String chain, Verdict verdict, Decider decidedBy) {}
