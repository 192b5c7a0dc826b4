package io.statewall.firewall;

import io.statewall.firewall.forwarding.FlowModBudget;
import io.statewall.firewall.forwarding.ExactMatch;
import io.statewall.firewall.forwarding.FlowProgrammer;
import io.statewall.firewall.forwarding.ForwardingSettings;
import io.statewall.controller.switches.SwitchHandle;
import io.statewall.controller.switches.SwitchRegistry;
import io.statewall.topology.Attachment;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.projectfloodlight.openflow.protocol.OFFactory;
import org.projectfloodlight.openflow.protocol.OFMessage;
import org.projectfloodlight.openflow.protocol.OFVersion;
import org.projectfloodlight.openflow.protocol.action.OFAction;
import org.projectfloodlight.openflow.protocol.match.Match;
import org.projectfloodlight.openflow.protocol.match.MatchField;
import org.projectfloodlight.openflow.types.OFBufferId;
import org.projectfloodlight.openflow.types.OFPort;
import org.projectfloodlight.openflow.types.OFValueType;
import org.projectfloodlight.openflow.types.TableId;
import org.projectfloodlight.openflow.types.U16;
import org.projectfloodlight.openflow.types.U64;

/**
 * Sends a TCP connection's FIN, SYN and RST segments to the controller although the rest of the
 * connection runs in the switches, so that conntrack sees the teardown as Linux would: one entry
 * per flag, above the connection's entry, at the switch where each direction enters the network.
 *
 * <p>The traps carry the connection's cookie and no timeout: they stay while conntrack holds the
 * connection (its flow entries may idle out and come back meanwhile) and leave with it.
 *
 * <p>Needs a switch that matches TCP flags: OpenFlow 1.5's {@code tcp_flags}, or Open vSwitch's
 * extension of it on 1.3 and 1.4. On OpenFlow 1.0 nothing is installed and the connection's
 * timeout stands in.
 */
final class TeardownTraps {
  private static final int FIN = 0x01;
  private static final int SYN = 0x02;
  private static final int RST = 0x04;

  private final SwitchRegistry switches;
  private final int priority;
  private final FlowProgrammer flows;

  TeardownTraps(SwitchRegistry switches, int priority) {
    this(switches, priority, FlowModBudget.defaults());
  }

  /** With a flow service of its own over {@code budget}. */
  TeardownTraps(SwitchRegistry switches, int priority, FlowModBudget budget) {
    this(switches, new FlowProgrammer(switches, new ForwardingSettings(ForwardingSettings.DEFAULTS.idleTimeoutSeconds(),
        priority), budget));
  }

  /** Above the connection entries of {@code flows}, through which the traps are written. */
  TeardownTraps(SwitchRegistry switches, FlowProgrammer flows) {
    this.switches = switches;
    this.priority = flows.settings().priority();
    this.flows = flows;
  }

  /** Installs the traps for packets like {@code m} entering at {@code at}. */
  void install(Attachment at, ExactMatch m, U64 cookie) {
    Optional<SwitchHandle> sw = switches.get(at.sw());
    if (sw.isEmpty() || sw.get().version() == OFVersion.OF_10) {
      return;
    }
    // admitted before the connection's entries, which leave the traps' share: entries get in only
    // where their traps did, and traps without entries only send what would come anyway
    flows.writeTraps(sw.get(), traps(sw.get().factory(), at.port(), m, cookie));
  }

  /** Trap flow-adds written so far (by the flow service, for every user of it). */
  long sent() {
    return flows.sent(FlowProgrammer.Purpose.TRAP);
  }

  List<OFMessage> traps(OFFactory f, OFPort inPort, ExactMatch m, U64 cookie) {
    Optional<Match> base = m.toMatch(f, inPort);
    if (base.isEmpty()) {
      return List.of();
    }
    MatchField<U16> field = f.getVersion().compareTo(OFVersion.OF_15) >= 0 ? MatchField.TCP_FLAGS : MatchField.OVS_TCP_FLAGS;
    List<OFAction> toController = List.of(f.actions().output(OFPort.CONTROLLER, 0xFFFF));
    List<OFMessage> out = new ArrayList<>(3);
    // SYN too: a SYN reusing the tuple of a closing connection is a reopening for conntrack (Linux's
    // NF_REPEAT, judged NEW), and a SYN from the wrong side must be judged, not carried
    for (int flag : new int[] {FIN, SYN, RST}) {
      Match match = copy(f, base.get()).setMasked(field, U16.of(flag), U16.of(flag)).build();
      out.add(f.buildFlowAdd().setTableId(TableId.ZERO).setMatch(match).setCookie(cookie)
          .setPriority(priority + 1).setBufferId(OFBufferId.NO_BUFFER)
          .setInstructions(List.of(f.instructions().applyActions(toController))).build());
    }
    return out;
  }

  /** A builder holding {@code m}'s fields ({@code Match.createBuilder()} starts empty in openflowj). */
  private static Match.Builder copy(OFFactory f, Match m) {
    Match.Builder b = f.buildMatch();
    for (MatchField<?> field : m.getMatchFields()) {
      copyField(b, m, field);
    }
    return b;
  }

  private static <T extends OFValueType<T>> void copyField(Match.Builder b, Match m, MatchField<T> field) {
    if (m.isExact(field)) {
      b.setExact(field, m.get(field));
    } else {
      b.setMasked(field, m.getMasked(field));
    }
  }
}
