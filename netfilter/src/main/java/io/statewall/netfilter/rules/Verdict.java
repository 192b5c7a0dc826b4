package io.statewall.netfilter.rules;

/** The final word of a table on a packet. REJECT drops and answers with {@code rejectWith}. */
public enum Verdict {
  ACCEPT, DROP, REJECT
}
