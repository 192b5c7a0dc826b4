package io.statewall.netfilter.defrag;

import io.statewall.netfilter.packet.Packet;
import java.util.List;

/**
 * A datagram whose fragments all arrived: {@code packet} is the reassembled datagram (what the
 * rules and conntrack judge, as Linux judges after nf_defrag), {@code fragments} the frames as
 * received, in offset order, to deliver each one if the datagram is accepted (none if not).
 */
public record Reassembled(Packet packet, List<byte[]> fragments) {
  public Reassembled {
    fragments = List.copyOf(fragments);
  }
}
