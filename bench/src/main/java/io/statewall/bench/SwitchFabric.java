package io.statewall.bench;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * The wiring between emulated switches: an LLDP frame the controller sends out of a link port
 * comes back as a packet-in on the port at the link's other end, so discovery sees the line.
 */
final class SwitchFabric {
  private final EmulatedNetwork network;
  private final AtomicReferenceArray<EmulatedSwitch> switches;
  private final Set<EmulatedNetwork.PortRef> probedLinks = ConcurrentHashMap.newKeySet();

  SwitchFabric(EmulatedNetwork network) {
    this.network = network;
    this.switches = new AtomicReferenceArray<>(network.switches() + 1);
  }

  void attach(int number, EmulatedSwitch sw) {
    switches.set(number, sw);
  }

  /** Carries a discovery frame sent out of (switch, port) to the peer port, if it is wired. */
  void carry(int fromSwitch, int fromPort, byte[] frame) {
    network.linkPeer(fromSwitch, fromPort).ifPresent(peer -> {
      probedLinks.add(new EmulatedNetwork.PortRef(fromSwitch, fromPort));
      EmulatedSwitch target = switches.get(peer.switchNumber());
      if (target != null) {
        target.receiveFromLink(peer.port(), frame);
      }
    });
  }

  /** True once the controller has sent a discovery frame across every link in both directions. */
  boolean everyLinkProbed() {
    return probedLinks.size() >= network.linkPorts().size();
  }
}
