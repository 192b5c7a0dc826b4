package io.statewall.topology;

import java.util.ArrayList;
import java.util.List;
import org.projectfloodlight.openflow.protocol.OFFactory;
import org.projectfloodlight.openflow.protocol.OFPacketIn;
import org.projectfloodlight.openflow.protocol.OFPacketOut;
import org.projectfloodlight.openflow.protocol.OFPortConfig;
import org.projectfloodlight.openflow.protocol.OFPortDesc;
import org.projectfloodlight.openflow.protocol.OFPortState;
import org.projectfloodlight.openflow.protocol.OFVersion;
import org.projectfloodlight.openflow.protocol.action.OFAction;
import org.projectfloodlight.openflow.protocol.match.MatchField;
import org.projectfloodlight.openflow.types.MacAddress;
import org.projectfloodlight.openflow.types.OFBufferId;
import org.projectfloodlight.openflow.types.OFPort;

/** Version differences of OpenFlow that topology and forwarding both meet: ports and packet I/O. */
public final class OpenFlowPorts {

  private OpenFlowPorts() {}

  /** Administratively enabled and with carrier. */
  public static boolean isUp(OFPortDesc port) {
    return !port.getConfig().contains(OFPortConfig.PORT_DOWN)
        && !port.getState().contains(OFPortState.LINK_DOWN);
  }

  /** A numbered switch port (not LOCAL, CONTROLLER or another reserved port). */
  public static boolean isPhysical(OFPort port) {
    int n = port.getPortNumber();
    return n > 0 && Integer.compareUnsigned(n, OFPort.MAX.getPortNumber()) <= 0;
  }

  /** The port a packet-in arrived on, in every OpenFlow version. */
  public static OFPort inPort(OFPacketIn pi) {
    if (pi.getVersion().compareTo(OFVersion.OF_12) < 0) {
      return pi.getInPort();
    }
    OFPort port = pi.getMatch().get(MatchField.IN_PORT);
    return port == null ? OFPort.ANY : port;
  }

  /** An unbuffered packet-out of {@code frame} to each of {@code outs}, injected as from the controller. */
  public static OFPacketOut packetOut(OFFactory factory, byte[] frame, List<OFPort> outs) {
    List<OFAction> actions = new ArrayList<>(outs.size());
    for (OFPort out : outs) {
      actions.add(factory.actions().output(out, 0xFFFF));
    }
    OFPacketOut.Builder b = factory.buildPacketOut()
        .setBufferId(OFBufferId.NO_BUFFER)
        .setActions(actions)
        .setData(frame);
    if (factory.getVersion().compareTo(OFVersion.OF_15) < 0) {
      b.setInPort(OFPort.CONTROLLER);
    } else {
      b.setMatch(factory.buildMatch().setExact(MatchField.IN_PORT, OFPort.CONTROLLER).build());
    }
    return b.build();
  }

  /**
   * True for broadcast and multicast MACs (the group bit). openflowj's {@code isMulticast()} is
   * false for broadcast, which is never what forwarding means.
   */
  public static boolean isGroup(MacAddress mac) {
    return (mac.getLong() & 0x0100_0000_0000L) != 0;
  }
}
