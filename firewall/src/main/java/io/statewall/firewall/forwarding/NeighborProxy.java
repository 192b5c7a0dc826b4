package io.statewall.firewall.forwarding;

import io.statewall.firewall.forwarding.NeighborMessages.Arp;
import io.statewall.firewall.forwarding.NeighborMessages.Solicitation;
import io.statewall.topology.Attachment;
import io.statewall.topology.Host;
import io.statewall.topology.TopologyService;
import java.util.Optional;
import org.projectfloodlight.openflow.types.IPAddress;
import org.projectfloodlight.openflow.types.MacAddress;

/**
 * Answers ARP requests and IPv6 neighbour solicitations for hosts topology knows, from the
 * controller, so the question never crosses the network; an unknown target's question is flooded
 * along the broadcast tree. An ARP or solicitation whose sender address belongs to another known
 * host (ARP spoofing: a forged reply or gratuitous ARP) is dropped, so it poisons no host's cache;
 * so is a neighbour advertisement for another known host's address.
 */
public final class NeighborProxy {

  private final TopologyService topology;
  private final PacketOutSender sender;

  public NeighborProxy(TopologyService topology, PacketOutSender sender) {
    this.topology = topology;
    this.sender = sender;
  }

  /**
   * Handles an ARP or NS frame from {@code from}, and drops an NA that claims another host's
   * address; returns false for anything else (other NAs included), which forwarding then carries.
   */
  public boolean handle(Attachment from, byte[] frame) {
    Optional<Arp> arp = NeighborMessages.arp(frame);
    if (arp.isPresent()) {
      onArp(from, frame, arp.get());
      return true;
    }
    Optional<Solicitation> ns = NeighborMessages.solicitation(frame);
    if (ns.isPresent()) {
      onSolicitation(from, frame, ns.get());
      return true;
    }
    // an advertisement speaking for another known host's address (unsolicited, to poison caches)
    // goes nowhere; any other goes on as ordinary traffic
    Optional<NeighborMessages.Advertised> na = NeighborMessages.advertised(frame);
    return na.isPresent() && claimsAnothersAddress(na.get().target(), na.get().srcMac());
  }

  private void onArp(Attachment from, byte[] frame, Arp arp) {
    if (claimsAnothersAddress(arp.senderIp(), arp.senderMac())) {
      return;
    }
    if (arp.isRequest() && !arp.isGratuitous()) {
      Optional<Host> target = topology.hostByAddress(arp.targetIp());
      // a host asking for its own address (a conflict check) must hear from the real owner
      if (target.isPresent() && !target.get().mac().equals(arp.senderMac())) {
        sender.send(from, NeighborMessages.arpReply(arp, target.get().mac()));
        return;
      }
    }
    sender.deliverOrFlood(from, frame);
  }

  private void onSolicitation(Attachment from, byte[] frame, Solicitation ns) {
    if (claimsAnothersAddress(ns.src(), ns.srcMac())) {
      return;
    }
    Optional<Host> target = topology.hostByAddress(ns.target());
    // duplicate address detection (source ::) is left to the hosts: the answer goes to all-nodes
    if (target.isPresent() && !ns.src().isUnspecified()
        && !target.get().mac().equals(ns.srcMac())) {
      sender.send(from, NeighborMessages.advertisement(ns, target.get().mac()));
      return;
    }
    sender.deliverOrFlood(from, frame);
  }

  /** Whether {@code address} is known to belong to a host other than {@code mac}'s. */
  private boolean claimsAnothersAddress(IPAddress<?> address, MacAddress mac) {
    Optional<Host> owner = topology.hostByAddress(address);
    return owner.isPresent() && !owner.get().mac().equals(mac);
  }
}
