package io.statewall.netfilter.conntrack;

/** The rarely-needed parts of a connection, kept apart so plain connections stay small. */
final class CtExtra {
  /** Helper attached to this connection (the FTP control connection). */
  ConnHelper helper;
  /** Per-connection helper state (FTP: sequence numbers after newlines). */
  Object helperState;
  /** For RELATED connections: the master whose expectation created them. */
  CtEntry master;
  /** For a master: its pending expectation (FTP allows one). */
  Expectation expectation;
  /** Live RELATED connections this one is master of ({@code use=} counts them, as Linux). */
  final java.util.concurrent.atomic.AtomicInteger children = new java.util.concurrent.atomic.AtomicInteger();
}
