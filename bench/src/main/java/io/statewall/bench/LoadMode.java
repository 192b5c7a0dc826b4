package io.statewall.bench;

/** How many new connections each emulated switch keeps waiting for the controller at once. */
public enum LoadMode {
  /** A window of many outstanding connections per switch: the controller's maximum rate. */
  THROUGHPUT,
  /** One outstanding connection per switch: the controller's decision latency, unqueued. */
  LATENCY
}
