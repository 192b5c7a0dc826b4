package io.statewall.firewall.forwarding;

import io.statewall.netfilter.packet.Packet;
import java.util.Optional;
import org.projectfloodlight.openflow.types.U64;

/**
 * A packet's exact match and the cookie naming its connection, made once per packet and handed
 * along (offload record, traps, entries): the cookie's hash was computed three times per offloaded
 * packet before.
 */
public record FlowKey(ExactMatch match, U64 cookie) {

  /** The key of packets like {@code p}; empty when no exact entry can match them. */
  public static Optional<FlowKey> of(Packet p) {
    return ExactMatch.of(p).map(FlowKey::of);
  }

  public static FlowKey of(ExactMatch m) {
    return new FlowKey(m, ConnectionCookie.of(m));
  }
}
