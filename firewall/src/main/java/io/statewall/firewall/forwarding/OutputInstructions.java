package io.statewall.firewall.forwarding;

import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import org.projectfloodlight.openflow.protocol.OFFactory;
import org.projectfloodlight.openflow.protocol.OFVersion;
import org.projectfloodlight.openflow.protocol.instruction.OFInstruction;
import org.projectfloodlight.openflow.types.OFPort;

/**
 * The instructions of a connection entry, "apply: output to port P", one immutable list per
 * OpenFlow version and port, shared by every entry that sends out of that port. openflowj's
 * messages are immutable, so sharing is safe; building them for each of a connection's four
 * entries (an action, its list, an instruction, its list) was about 5 % of what a whole connection
 * allocated (session 13).
 *
 * <p>Bounded: a switch that advertises more ports than {@link #MAX_PORTS} (all switches' ports
 * together) gets its further ports' lists built each time rather than kept.
 */
final class OutputInstructions {
  static final int MAX_PORTS = 65_536;

  private final ConcurrentHashMap<OFVersion, ConcurrentHashMap<OFPort, List<OFInstruction>>> byVersion =
      new ConcurrentHashMap<>();

  /** {@code [apply-actions [output(port, no buffer limit)]]} on a switch of {@code f} (1.1+). */
  List<OFInstruction> instructions(OFFactory f, OFPort port) {
    ConcurrentHashMap<OFPort, List<OFInstruction>> ports = byVersion.get(f.getVersion());
    if (ports == null) {
      ports = byVersion.computeIfAbsent(f.getVersion(), v -> new ConcurrentHashMap<>());
    }
    List<OFInstruction> shared = ports.get(port);
    if (shared != null) {
      return shared;
    }
    List<OFInstruction> made = List.of(f.instructions().applyActions(List.of(f.actions().output(port, 0xFFFF))));
    if (ports.size() < MAX_PORTS) {
      ports.putIfAbsent(port, made);
    }
    return made;
  }
}
