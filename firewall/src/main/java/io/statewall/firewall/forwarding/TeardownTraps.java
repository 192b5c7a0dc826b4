package io.statewall.firewall.forwarding;

import io.statewall.netfilter.packet.Packet;
import java.util.List;
import java.util.Optional;
import org.projectfloodlight.openflow.protocol.OFFactory;
import org.projectfloodlight.openflow.protocol.OFFlowStatsEntry;
import org.projectfloodlight.openflow.protocol.OFMessage;
import org.projectfloodlight.openflow.protocol.OFVersion;
import org.projectfloodlight.openflow.protocol.action.OFAction;
import org.projectfloodlight.openflow.protocol.action.OFActionOutput;
import org.projectfloodlight.openflow.protocol.instruction.OFInstruction;
import org.projectfloodlight.openflow.protocol.instruction.OFInstructionApplyActions;
import org.projectfloodlight.openflow.protocol.match.Match;
import org.projectfloodlight.openflow.types.OFBufferId;
import org.projectfloodlight.openflow.types.OFPort;
import org.projectfloodlight.openflow.types.TableId;
import org.projectfloodlight.openflow.types.U64;

/**
 * How a TCP connection's FIN, SYN and RST segments still reach the controller although the rest of
 * the connection runs in the switches, so that conntrack sees the teardown as Linux would.
 *
 * <p>Where each direction enters the network, its entry matches only segments with none of FIN, SYN
 * and RST set ({@link #entryMatch}); those segments fall through to one trap per direction just below
 * the entry, the same exact match sending to the controller. A SYN is trapped too: a SYN reusing the
 * tuple of a closing connection is a reopening for conntrack (Linux's NF_REPEAT, judged NEW), and a
 * SYN from the wrong side must be judged, not carried.
 *
 * <p>Until session 10 three traps per direction (one per flag) sat <em>above</em> a plain entry: ten
 * flow-mods per connection instead of six, and an entry that got in without its traps (a switch that
 * refused the flag match, a trap lost to the budget) carried the teardown past conntrack. Now the
 * entry itself excludes the flags: a switch that cannot match them refuses the entry and the
 * connection stays with the controller, and an entry whose trap is missing leaves its FIN to the
 * table-miss entry, which sends it to the controller all the same (through the per-port meter: the
 * trap is there so that a flood on the port cannot hold a teardown back).
 *
 * <p>The traps carry the connection's cookie and no timeout: they stay while conntrack holds the
 * connection (its entries may idle out and come back meanwhile) and leave with it. On OpenFlow 1.0
 * there are none (no TCP flags to match) and the connection's timeout stands in.
 */
public final class TeardownTraps {
  /** FIN, SYN and RST: what a connection's entry where it enters never carries. */
  static final int FLAGS = 0x01 | 0x02 | 0x04;

  private final int priority;
  private final OutputInstructions toController;

  /** Traps one below {@code entryPriority}, the connection entries' priority. */
  public TeardownTraps(int entryPriority) {
    this(entryPriority, new OutputInstructions());
  }

  /** Sharing the entries' cache of output instructions ({@link FlowProgrammer}'s): one per controller. */
  TeardownTraps(int entryPriority, OutputInstructions outputs) {
    this.priority = entryPriority - 1;
    this.toController = outputs;
  }

  /**
   * The match of {@code m}'s entry on {@code inPort}: where its direction enters the network
   * ({@code ingress}) a TCP entry leaves FIN, SYN and RST to the trap; elsewhere, or where the switch
   * cannot match TCP flags (OpenFlow 1.0), the plain exact match. Empty if the switch cannot express
   * {@code m} at all.
   */
  public static Optional<Match> entryMatch(OFFactory f, OFPort inPort, ExactMatch m, boolean ingress) {
    if (ingress && hasTrap(f, m)) {
      return Optional.of(m.withoutTcpFlags(f, inPort, FLAGS));
    }
    return m.toMatch(f, inPort);
  }

  /**
   * Whether {@code m} gets a trap on a switch of {@code f}'s version: a TCP direction the switch can
   * match, with TCP flags (OXM). The one rule for both halves, so that an entry leaves the flags out
   * exactly where a trap below it takes them.
   */
  private static boolean hasTrap(OFFactory f, ExactMatch m) {
    return m.ipProto() == Packet.PROTO_TCP && ConnectionMatch.writes(f) && m.expressibleOn(f);
  }

  /** The trap for packets like {@code m} entering at {@code inPort}; none on OpenFlow 1.0. */
  public List<OFMessage> traps(OFFactory f, OFPort inPort, ExactMatch m, U64 cookie) {
    if (!hasTrap(f, m)) {
      return List.of();
    }
    return List.of(f.buildFlowAdd().setTableId(TableId.ZERO).setMatch(m.toMatch(f, inPort).orElseThrow())
        .setCookie(cookie).setPriority(priority).setBufferId(OFBufferId.NO_BUFFER)
        .setInstructions(toController.instructions(f, OFPort.CONTROLLER)).build());
  }

  /**
   * Whether an entry read back from a switch is a trap: it sends to the controller, whether it is
   * one below its entry or one of the three above it that statewall wrote before session 10.
   */
  public static boolean isTrap(OFFlowStatsEntry s) {
    return isTrap(s.getVersion(), output(s));
  }

  /** Whether an entry of {@code version} whose output action is {@code output} ({@link #output}) is a trap. */
  public static boolean isTrap(OFVersion version, OFPort output) {
    return version != OFVersion.OF_10 && OFPort.CONTROLLER.equals(output);
  }

  /**
   * The port of the output action of an entry read back from a switch (its apply-actions on 1.1+),
   * or null for one that outputs nothing (a drop entry).
   */
  public static OFPort output(OFFlowStatsEntry s) {
    Iterable<OFAction> actions;
    if (s.getVersion() == OFVersion.OF_10) {
      actions = s.getActions();
    } else {
      actions = null;
      for (OFInstruction i : s.getInstructions()) {
        if (i instanceof OFInstructionApplyActions apply) {
          actions = apply.getActions();
        }
      }
    }
    if (actions != null) {
      for (OFAction a : actions) {
        if (a instanceof OFActionOutput out) {
          return out.getPort();
        }
      }
    }
    return null;
  }
}
