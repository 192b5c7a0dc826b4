package io.statewall.firewall.forwarding;

import io.statewall.netfilter.packet.Packet;

/** Turns a frame into the headers forwarding decides on; the packet parser plugs in here. */
@FunctionalInterface
public interface PacketDecoder {
  /** Never throws: a frame that cannot be read gives a packet with {@code malformed} set. */
  Packet decode(byte[] frame);
}
