package io.statewall.firewall.forwarding;

import io.statewall.netfilter.packet.Packet;
import io.statewall.topology.Attachment;

/** The policy hook: decides each IP packet forwarding sees, where it entered the network. */
@FunctionalInterface
public interface ConnectionDecider {
  Decision decide(Packet packet, Attachment ingress);
}
