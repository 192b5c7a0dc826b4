package io.statewall.firewall.forwarding;

import io.statewall.netfilter.packet.Packet;
import io.statewall.topology.Attachment;
import io.statewall.topology.Host;
import java.util.List;

/** The policy hook: decides each IP packet forwarding sees, where it entered the network. */
@FunctionalInterface
public interface ConnectionDecider {
  Decision decide(Packet packet, Attachment ingress);

  /**
   * Which of {@code candidates} (edge ports other than the sender's) may get {@code packet}, a
   * datagram several hosts receive (broadcast, multicast, a unicast frame flooded to find its
   * destination). A port gets it only if every host there accepts it.
   */
  default List<Attachment> receivers(Packet packet, Attachment ingress, List<Attachment> candidates) {
    return decide(packet, ingress) instanceof Decision.Accept ? candidates : List.of();
  }

  /**
   * Whether a unicast {@code packet} may be handed to {@code macOwner}, the host that owns its
   * destination MAC: it owns the destination address, or it is a gateway the policy declares.
   * A plain learning switch delivers anything.
   */
  default boolean deliverable(Packet packet, Host macOwner) {
    return true;
  }

  /** Whether frames of {@code etherType} (neither ARP, IP nor LLDP) may cross the network. */
  default boolean allowsEthertype(int etherType) {
    return true;
  }
}
