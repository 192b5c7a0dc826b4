package io.statewall.netfilter.conntrack;

/** The state a packet has for {@code -m state --state} and {@code -m conntrack --ctstate}. */
public enum CtState {
  NEW,
  ESTABLISHED,
  RELATED,
  INVALID,
  UNTRACKED
}
