package io.statewall.operator.source;

import io.statewall.netfilter.conntrack.CtStats;
import java.util.Map;

/** The figures {@code /metrics} reads at each scrape from the firewall, its flow service and its guards. */
public interface MetricsSource {
  CtStats conntrack();

  /** Tracked connections with entries in the switches. */
  int offloaded();

  /** Flow-mods (adds and deletes) sent to switches. */
  long flowModsSent();

  /** The same, by what they were for (connection, drop, trap, table_miss, reconcile, delete). */
  Map<String, Long> flowModsByPurpose();

  /** Drop entries left out by the per-switch flow-mod limits. */
  long skippedDrops();

  /** Connection entries left out by the per-switch flow-mod limits. */
  long skippedConnections();

  long tableFullErrors();

  /** Packet-ins dropped by the controller's per-port and per-switch limits. */
  long packetInsDropped();

  /** Switches whose table-miss entries are metered in the switch. */
  int meteredSwitches();
}
