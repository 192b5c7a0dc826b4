package io.statewall.firewall.forwarding;

import io.statewall.controller.switches.SwitchHandle;
import io.statewall.controller.switches.SwitchRegistry;
import io.statewall.topology.Attachment;
import io.statewall.topology.Hop;
import io.statewall.topology.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.projectfloodlight.openflow.protocol.OFFactory;
import org.projectfloodlight.openflow.protocol.OFFlowAdd;
import org.projectfloodlight.openflow.protocol.OFFlowDeleteStrict;
import org.projectfloodlight.openflow.protocol.OFFlowModFlags;
import org.projectfloodlight.openflow.protocol.OFMessage;
import org.projectfloodlight.openflow.protocol.OFVersion;
import org.projectfloodlight.openflow.protocol.action.OFAction;
import org.projectfloodlight.openflow.protocol.match.Match;
import org.projectfloodlight.openflow.types.DatapathId;
import org.projectfloodlight.openflow.types.OFBufferId;
import org.projectfloodlight.openflow.types.OFGroup;
import org.projectfloodlight.openflow.types.OFPort;
import org.projectfloodlight.openflow.types.TableId;
import org.projectfloodlight.openflow.types.U64;

/**
 * Writes the exact per-connection entries for one direction along a path: one entry per switch,
 * matching the packet as it enters that switch and sending it out the next port. Messages are
 * grouped per switch and written as one batch; the path's last switch is programmed first, so
 * downstream entries are queued before upstream ones.
 */
public final class FlowProgrammer {

  private final SwitchRegistry switches;
  private final ForwardingSettings settings;
  private final FlowModBudget budget;
  /** Flow-mods written, for the operator's metrics. */
  private final java.util.concurrent.atomic.LongAdder sent = new java.util.concurrent.atomic.LongAdder();

  public FlowProgrammer(SwitchRegistry switches, ForwardingSettings settings) {
    this(switches, settings, FlowModBudget.defaults());
  }

  public FlowProgrammer(SwitchRegistry switches, ForwardingSettings settings, FlowModBudget budget) {
    this.switches = switches;
    this.settings = settings;
    this.budget = budget;
  }

  public FlowModBudget budget() {
    return budget;
  }

  /** True if every switch on {@code path} can express {@code match} (IPv6 needs OF 1.2+). */
  public boolean canInstall(Path path, ExactMatch match) {
    for (Hop hop : path.hops()) {
      Optional<SwitchHandle> sw = switches.get(hop.sw());
      if (sw.isEmpty() || !match.expressibleOn(sw.get().factory())) {
        return false;
      }
    }
    return true;
  }

  /** Builds the flow-adds of {@code match} along {@code path}, per switch, egress first. */
  public Map<DatapathId, List<OFMessage>> addsFor(Path path, ExactMatch match, U64 cookie) {
    return build(path, match, (f, hop, m) -> flowAdd(f, hop, m, cookie));
  }

  /** Builds strict deletes of the entries {@link #addsFor} would make, per switch. */
  public Map<DatapathId, List<OFMessage>> deletesFor(List<Hop> hops, ExactMatch match, U64 cookie) {
    Map<DatapathId, List<OFMessage>> out = new LinkedHashMap<>();
    for (Hop hop : hops) {
      switches.get(hop.sw()).ifPresent(sw -> match.toMatch(sw.factory(), hop.in())
          .ifPresent(m -> out.computeIfAbsent(hop.sw(), k -> new ArrayList<>())
              .add(flowDelete(sw.factory(), m, cookie))));
    }
    return out;
  }

  public void install(Path path, ExactMatch match, U64 cookie) {
    write(addsFor(path, match, cookie));
  }

  public void remove(List<Hop> hops, ExactMatch match, U64 cookie) {
    write(deletesFor(hops, match, cookie));
  }

  /**
   * Writes each switch's batch in one call, in the map's order, whatever the budget says (deletes,
   * moves of live connections), charging it.
   */
  public void write(Map<DatapathId, List<OFMessage>> batches) {
    batches.forEach((id, msgs) -> switches.get(id).ifPresent(sw -> {
      sw.write(msgs);
      budget.charge(id, msgs.size());
      sent.add(msgs.size());
    }));
  }

  /**
   * Writes the batches of a new connection's entries if every switch they go to has flow-mods to
   * spare (all or none); false if they were left out, and the connection's packets keep coming to
   * the controller, which judges them alike.
   */
  public boolean writeIfAdmitted(List<Map<DatapathId, List<OFMessage>>> batches) {
    Map<DatapathId, Integer> counts = new LinkedHashMap<>();
    for (Map<DatapathId, List<OFMessage>> b : batches) {
      b.forEach((id, msgs) -> counts.merge(id, msgs.size(), Integer::sum));
    }
    if (!budget.admit(FlowModBudget.Kind.CONNECTION, counts)) {
      return false;
    }
    for (Map<DatapathId, List<OFMessage>> b : batches) {
      b.forEach((id, msgs) -> switches.get(id).ifPresent(sw -> {
        sw.write(msgs);
        sent.add(msgs.size());
      }));
    }
    return true;
  }

  private final DropEntries drops = new DropEntries();

  /** Flow-mods written since this programmer was made. */
  public long sent() {
    return sent.sum();
  }

  /**
   * An exact drop entry at {@code ingress} that lives {@code seconds} (hard timeout, so retries do
   * not keep it alive forever) and reports nothing when it goes; left out when the switch's
   * flow-mod budget for drop entries is spent or its table was full lately (the packet is dropped
   * all the same, and its retries come back to be dropped again).
   */
  public void installDrop(Attachment ingress, ExactMatch match, U64 cookie,
      int seconds) {
    switches.get(ingress.sw()).ifPresent(sw -> match.toMatch(sw.factory(), ingress.port())
        .ifPresent(m -> {
          if (budget.admit(FlowModBudget.Kind.DROP, sw.id(), 1)) {
            sw.write(dropEntry(sw.factory(), m, cookie, seconds));
            sent.increment();
            drops.record(match, ingress, seconds);
          }
        }));
  }

  /**
   * Deletes the drop entry for the reverse of {@code accepted}, if one is still in a switch: once the
   * other side opens a connection on those ports, the entry would drop its genuine replies.
   */
  public void cancelDropOfReverse(ExactMatch accepted) {
    if (drops.isEmpty()) {
      return;
    }
    accepted.reverse().flatMap(drops::take).ifPresent(at ->
        accepted.reverse().ifPresent(r -> switches.get(at.sw()).ifPresent(sw ->
            r.toMatch(sw.factory(), at.port()).ifPresent(m -> {
              sw.write(flowDelete(sw.factory(), m, ConnectionCookie.of(r)));
              sent.increment();
            }))));
  }

  public OFFlowAdd dropEntry(OFFactory f, Match match, U64 cookie, int seconds) {
    OFFlowAdd.Builder b = f.buildFlowAdd()
        .setMatch(match)
        .setCookie(cookie)
        .setPriority(settings.priority())
        .setIdleTimeout(0)
        .setHardTimeout(seconds)
        .setBufferId(OFBufferId.NO_BUFFER);
    if (f.getVersion() == OFVersion.OF_10) {
      b.setActions(List.of());
    } else {
      b.setTableId(TableId.ZERO).setInstructions(List.of());
    }
    return b.build();
  }

  /** The entry for one hop: exact match, cookie, FLOW_REMOVED, idle timeout, one output. */
  public OFFlowAdd flowAdd(OFFactory f, Hop hop, Match match, U64 cookie) {
    List<OFAction> actions = List.of(f.actions().output(hop.out(), 0xFFFF));
    OFFlowAdd.Builder b = f.buildFlowAdd()
        .setMatch(match)
        .setCookie(cookie)
        .setPriority(settings.priority())
        .setIdleTimeout(settings.idleTimeoutSeconds())
        .setHardTimeout(0)
        .setBufferId(OFBufferId.NO_BUFFER)
        .setFlags(EnumSet.of(OFFlowModFlags.SEND_FLOW_REM));
    if (f.getVersion() == OFVersion.OF_10) {
      b.setActions(actions);
    } else {
      b.setTableId(TableId.ZERO).setInstructions(List.of(f.instructions().applyActions(actions)));
    }
    return b.build();
  }

  private OFFlowDeleteStrict flowDelete(OFFactory f, Match match, U64 cookie) {
    OFFlowDeleteStrict.Builder b = f.buildFlowDeleteStrict()
        .setMatch(match)
        .setPriority(settings.priority())
        .setOutPort(OFPort.ANY);
    if (f.getVersion() != OFVersion.OF_10) {
      b.setTableId(TableId.ZERO).setOutGroup(OFGroup.ANY)
          .setCookie(cookie).setCookieMask(U64.NO_MASK);
    }
    return b.build();
  }

  private interface EntryBuilder {
    OFMessage build(OFFactory f, Hop hop, Match m);
  }

  private Map<DatapathId, List<OFMessage>> build(Path path, ExactMatch match, EntryBuilder eb) {
    Map<DatapathId, List<OFMessage>> out = new LinkedHashMap<>();
    List<Hop> hops = path.hops();
    for (int i = hops.size() - 1; i >= 0; i--) {
      Hop hop = hops.get(i);
      Optional<SwitchHandle> sw = switches.get(hop.sw());
      if (sw.isEmpty()) {
        continue;
      }
      OFFactory f = sw.get().factory();
      match.toMatch(f, hop.in()).ifPresent(m ->
          out.computeIfAbsent(hop.sw(), k -> new ArrayList<>()).add(eb.build(f, hop, m)));
    }
    return out;
  }
}
