package io.statewall.netfilter.conntrack;

import io.statewall.netfilter.packet.Packet;

/**
 * A connection-tracking helper (nf_conntrack_helper): inspects the accepted packets of the
 * connections it is attached to and may expect related connections.
 */
public interface ConnHelper {

  /** The name a raw-table rule attaches it by ({@code -j CT --helper NAME}). */
  String name();

  /**
   * Inspects one packet the filter accepted. Runs under the connection's lock, so per-connection
   * state kept through {@link HelperContext#state} needs no further locking.
   */
  HelperVerdict help(Packet packet, CtState state, CtDirection direction, HelperContext context);

  /**
   * The per-connection state for a connection taken over mid-stream (a replica committed by a cluster
   * heir), which has not seen the connection's earlier packets; null to start as for a new connection.
   */
  default Object pickedUpState() {
    return null;
  }
}
