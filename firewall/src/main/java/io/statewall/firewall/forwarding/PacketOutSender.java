package io.statewall.firewall.forwarding;

import io.statewall.controller.switches.SwitchRegistry;
import io.statewall.topology.Attachment;
import io.statewall.topology.OpenFlowPorts;
import io.statewall.topology.TopologyService;
import io.statewall.topology.Host;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.projectfloodlight.openflow.types.DatapathId;
import org.projectfloodlight.openflow.types.MacAddress;
import org.projectfloodlight.openflow.types.OFPort;

/** Sends frames out of switch ports: to one port, or flooded along the broadcast tree. */
public final class PacketOutSender {

  private final SwitchRegistry switches;
  private final TopologyService topology;

  public PacketOutSender(SwitchRegistry switches, TopologyService topology) {
    this.switches = switches;
    this.topology = topology;
  }

  /** Sends {@code frame} out of exactly {@code to}. */
  public void send(Attachment to, byte[] frame) {
    send(to.sw(), frame, List.of(to.port()));
  }

  public void send(DatapathId sw, byte[] frame, List<OFPort> ports) {
    if (ports.isEmpty()) {
      return;
    }
    switches.get(sw).ifPresent(h -> h.write(OpenFlowPorts.packetOut(h.factory(), frame, ports)));
  }

  /**
   * Floods {@code frame}, which came in at {@code from}, out of that switch's broadcast ports
   * except {@code from}'s own. Switches further along the tree flood it on when it reaches them.
   */
  public void flood(Attachment from, byte[] frame) {
    List<OFPort> out = new ArrayList<>();
    for (OFPort p : topology.broadcastPorts(from.sw())) {
      if (!p.equals(from.port())) {
        out.add(p);
      }
    }
    out.sort((a, b) -> Integer.compare(a.getPortNumber(), b.getPortNumber()));
    send(from.sw(), frame, out);
  }

  /**
   * A unicast frame to a known host goes straight out of that host's port (never back where it
   * came from); anything else is flooded along the tree.
   */
  public void deliverOrFlood(Attachment from, byte[] frame) {
    MacAddress dst = MacAddress.of(Arrays.copyOfRange(frame, 0, 6));
    Optional<Host> host = OpenFlowPorts.isGroup(dst) ? Optional.empty() : topology.host(dst);
    if (host.isPresent()) {
      if (!host.get().attachment().equals(from)) {
        send(host.get().attachment(), frame);
      }
      return;
    }
    flood(from, frame);
  }
}
