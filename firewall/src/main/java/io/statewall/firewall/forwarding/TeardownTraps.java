package io.statewall.firewall.forwarding;

import java.util.List;
import org.projectfloodlight.openflow.protocol.OFFactory;
import org.projectfloodlight.openflow.protocol.OFMessage;
import org.projectfloodlight.openflow.protocol.OFVersion;
import org.projectfloodlight.openflow.protocol.action.OFAction;
import org.projectfloodlight.openflow.types.OFBufferId;
import org.projectfloodlight.openflow.types.OFPort;
import org.projectfloodlight.openflow.types.TableId;
import org.projectfloodlight.openflow.types.U64;

/**
 * The entries that send a TCP connection's FIN, SYN and RST segments to the controller although the
 * rest of the connection runs in the switches, so that conntrack sees the teardown as Linux would:
 * one entry per flag, above the connection's entry, at the switch where each direction enters the
 * network. {@link ConnectionForwarder} writes them in the same batch as the connection's entries.
 *
 * <p>The traps carry the connection's cookie and no timeout: they stay while conntrack holds the
 * connection (its flow entries may idle out and come back meanwhile) and leave with it.
 *
 * <p>Needs a switch that matches TCP flags: OpenFlow 1.5's {@code tcp_flags}, or Open vSwitch's
 * extension of it on 1.3 and 1.4. On OpenFlow 1.0 there are none and the connection's timeout
 * stands in.
 */
public final class TeardownTraps {
  private static final int FIN = 0x01;
  private static final int SYN = 0x02;
  private static final int RST = 0x04;
  /**
   * SYN too: a SYN reusing the tuple of a closing connection is a reopening for conntrack (Linux's
   * NF_REPEAT, judged NEW), and a SYN from the wrong side must be judged, not carried.
   */
  private static final int[] FLAGS = {FIN, SYN, RST};

  private final int priority;

  /** Traps one above {@code entryPriority}, the connection entries' priority. */
  public TeardownTraps(int entryPriority) {
    this.priority = entryPriority + 1;
  }

  /** The traps for packets like {@code m} entering at {@code inPort}; none on OpenFlow 1.0. */
  public List<OFMessage> traps(OFFactory f, OFPort inPort, ExactMatch m, U64 cookie) {
    if (f.getVersion() == OFVersion.OF_10 || !m.expressibleOn(f)) {
      return List.of();
    }
    List<OFAction> toController = List.of(f.actions().output(OFPort.CONTROLLER, 0xFFFF));
    OFMessage[] out = new OFMessage[FLAGS.length];
    for (int i = 0; i < FLAGS.length; i++) {
      out[i] = f.buildFlowAdd().setTableId(TableId.ZERO).setMatch(m.withTcpFlag(f, inPort, FLAGS[i]))
          .setCookie(cookie).setPriority(priority).setBufferId(OFBufferId.NO_BUFFER)
          .setInstructions(List.of(f.instructions().applyActions(toController))).build();
    }
    return List.of(out);
  }
}
