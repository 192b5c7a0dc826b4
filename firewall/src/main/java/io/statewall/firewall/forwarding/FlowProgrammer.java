package io.statewall.firewall.forwarding;

import io.statewall.controller.app.App;
import io.statewall.controller.app.AppContext;
import io.statewall.controller.app.ListenerResult;
import io.statewall.controller.app.SwitchListener;
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
import java.util.Set;
import java.util.concurrent.atomic.LongAdder;
import org.projectfloodlight.openflow.protocol.OFErrorMsg;
import org.projectfloodlight.openflow.protocol.OFFactory;
import org.projectfloodlight.openflow.protocol.OFFlowAdd;
import org.projectfloodlight.openflow.protocol.OFFlowDelete;
import org.projectfloodlight.openflow.protocol.OFFlowDeleteStrict;
import org.projectfloodlight.openflow.protocol.OFFlowModFailedCode;
import org.projectfloodlight.openflow.protocol.OFFlowModFlags;
import org.projectfloodlight.openflow.protocol.OFMessage;
import org.projectfloodlight.openflow.protocol.OFVersion;
import org.projectfloodlight.openflow.protocol.errormsg.OFFlowModFailedErrorMsg;
import org.projectfloodlight.openflow.protocol.match.Match;
import org.projectfloodlight.openflow.types.DatapathId;
import org.projectfloodlight.openflow.types.OFBufferId;
import org.projectfloodlight.openflow.types.OFGroup;
import org.projectfloodlight.openflow.types.OFPort;
import org.projectfloodlight.openflow.types.TableId;
import org.projectfloodlight.openflow.types.U64;

/**
 * The process's one flow service: every flow-mod statewall writes goes through here, under one
 * {@link FlowModBudget} and counted in one set of counters by what it is for ({@link Purpose}).
 * Builds the exact per-connection entries for one direction along a path: one entry per switch,
 * matching the packet as it enters that switch and sending it out the next port. Messages are
 * grouped per switch and written as one batch; the path's last switch is programmed first, so
 * downstream entries are queued before upstream ones.
 *
 * <p>As an app it learns the switches, hears TABLE_FULL errors and forgets a switch's budget when
 * it leaves; started before every app that writes.
 */
public final class FlowProgrammer implements App {

  /** What a flow-mod was for, as the metrics count them. */
  public enum Purpose {
    /** Entries of connections, new or moved, and their strict deletes on a reroute. */
    CONNECTION,
    /** Exact drop entries of refused openings, and their cancellation. */
    DROP,
    /** FIN/SYN/RST traps of offloaded TCP connections. */
    TRAP,
    /** Table-miss entries and the meters behind them. */
    TABLE_MISS,
    /** Reconciliation's deletes and re-installs. */
    RECONCILE,
    /** Deletes by cookie of connections conntrack or a new policy let go. */
    DELETE
  }

  /** After topology (10), like forwarding; it only reacts to errors and departures. */
  static final int ORDER = 100;

  /** Every connection entry asks for its FLOW_REMOVED; one immutable set for them all. */
  private static final Set<OFFlowModFlags> SEND_FLOW_REMOVED = Set.of(OFFlowModFlags.SEND_FLOW_REM);

  private SwitchRegistry switches;
  private final OutputInstructions outputs = new OutputInstructions();

  /** Its cache of output instructions, for the traps to share. */
  OutputInstructions outputs() {
    return outputs;
  }
  private final ForwardingSettings settings;
  private final FlowModBudget budget;
  private final LongAdder[] sent = new LongAdder[Purpose.values().length];
  /** Drop entries still in the switches, so an accepted reverse can cancel them. */
  private final DropEntries drops = new DropEntries();

  /** For use before the controller starts: the switches come with {@link #start}. */
  public FlowProgrammer(ForwardingSettings settings, FlowModBudget budget) {
    this(null, settings, budget);
  }

  public FlowProgrammer(SwitchRegistry switches, ForwardingSettings settings) {
    this(switches, settings, FlowModBudget.defaults());
  }

  public FlowProgrammer(SwitchRegistry switches, ForwardingSettings settings, FlowModBudget budget) {
    this.switches = switches;
    this.settings = settings;
    this.budget = budget;
    for (int i = 0; i < sent.length; i++) {
      sent[i] = new LongAdder();
    }
  }

  @Override
  public String name() {
    return "flows";
  }

  @Override
  public void start(AppContext context) {
    switches = context.switches();
    context.addMessageListener(OFErrorMsg.class, ORDER, this::error);
    context.addSwitchListener(ORDER, new SwitchListener() {
      @Override
      public void switchDisconnected(SwitchHandle sw) {
        budget.forget(sw.id());
      }
    });
  }

  public ForwardingSettings settings() {
    return settings;
  }

  /** A switch whose table is full gets no drop entries for a while (connection entries still go). */
  ListenerResult error(SwitchHandle sw, OFErrorMsg e) {
    if (e instanceof OFFlowModFailedErrorMsg fm && (fm.getCode() == OFFlowModFailedCode.TABLE_FULL
        || fm.getCode() == OFFlowModFailedCode.ALL_TABLES_FULL)) {
      budget.tableFull(sw.id());
    }
    return ListenerResult.CONTINUE;
  }

  /** Writes {@code msgs} to {@code sw} whatever the budget says, charging it. */
  public void write(SwitchHandle sw, Purpose purpose, List<OFMessage> msgs) {
    if (msgs.isEmpty()) {
      return;
    }
    sw.write(msgs);
    budget.charge(sw.id(), msgs.size());
    sent[purpose.ordinal()].add(msgs.size());
  }

  /** {@link #write(SwitchHandle, Purpose, List)} of one message. */
  public void write(SwitchHandle sw, Purpose purpose, OFMessage msg) {
    write(sw, purpose, List.of(msg));
  }

  /** Removes a connection's entries and traps from every switch: by cookie where OpenFlow has cookie masks. */
  public void deleteConnection(U64 cookie) {
    for (SwitchHandle sw : switches.ready()) {
      if (sw.version() == OFVersion.OF_10) {
        continue; // no cookie mask in 1.0: the entries idle out
      }
      write(sw, Purpose.DELETE, sw.factory().buildFlowDelete().setTableId(TableId.ALL).setCookie(cookie)
          .setCookieMask(U64.NO_MASK).setOutPort(OFPort.ANY).setOutGroup(OFGroup.ANY).build());
    }
  }

  /** The message factory of switch {@code id}, while it is connected. */
  public Optional<OFFactory> factory(DatapathId id) {
    return switches.get(id).map(SwitchHandle::factory);
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

  /**
   * Appends the flow-adds of {@code match} along {@code path} to {@code out}'s lists, per switch (a list
   * made where a switch has none yet), egress first: a new connection's directions and traps go into one
   * map, with no map per direction to merge. With {@code trapped} (the connection has teardown traps), the
   * entry at the path's first hop, where the direction enters, is a TCP connection's without its FIN, SYN
   * and RST ({@link TeardownTraps#entryMatch}), which fall to the trap below it.
   */
  public void addsInto(Map<DatapathId, List<OFMessage>> out, Path path, ExactMatch match, U64 cookie,
      boolean trapped) {
    List<Hop> hops = path.hops();
    for (int i = hops.size() - 1; i >= 0; i--) {
      Hop hop = hops.get(i);
      SwitchHandle sw = switches.get(hop.sw()).orElse(null);
      if (sw == null) {
        continue;
      }
      OFFactory f = sw.factory();
      Match m = TeardownTraps.entryMatch(f, hop.in(), match, trapped && i == 0).orElse(null);
      if (m != null) {
        batch(out, hop.sw(), 4).add(flowAdd(f, hop, m, cookie));
      }
    }
  }

  /** {@code sw}'s list in {@code batches}, made (of {@code capacity}) if it has none. */
  static List<OFMessage> batch(Map<DatapathId, List<OFMessage>> batches, DatapathId sw, int capacity) {
    List<OFMessage> l = batches.get(sw);
    if (l == null) {
      l = new ArrayList<>(capacity);
      batches.put(sw, l);
    }
    return l;
  }

  /**
   * Builds deletes of what {@link #addsInto} and the traps put at {@code hops}, per switch: non-strict,
   * so that the plain exact match on the hop's port takes the entry whichever form it has (an entry
   * where its direction enters matches TCP flags too) and a trap below it with it.
   */
  public Map<DatapathId, List<OFMessage>> deletesFor(List<Hop> hops, ExactMatch match, U64 cookie) {
    Map<DatapathId, List<OFMessage>> out = new LinkedHashMap<>();
    for (Hop hop : hops) {
      switches.get(hop.sw()).ifPresent(sw -> match.toMatch(sw.factory(), hop.in())
          .ifPresent(m -> out.computeIfAbsent(hop.sw(), k -> new ArrayList<>())
              .add(entriesDelete(sw.factory(), m, cookie))));
    }
    return out;
  }

  /** Deletes every entry of {@code cookie} whose match is {@code match} or narrower. */
  private static OFMessage entriesDelete(OFFactory f, Match match, U64 cookie) {
    OFFlowDelete.Builder b = f.buildFlowDelete().setMatch(match).setOutPort(OFPort.ANY);
    if (f.getVersion() != OFVersion.OF_10) {
      b.setTableId(TableId.ZERO).setOutGroup(OFGroup.ANY).setCookie(cookie).setCookieMask(U64.NO_MASK);
    }
    return b.build();
  }

  public void remove(List<Hop> hops, ExactMatch match, U64 cookie) {
    write(deletesFor(hops, match, cookie));
  }

  /**
   * Writes each switch's batch of connection entries in one call, in the map's order, whatever the
   * budget says (deletes, moves of live connections), charging it.
   */
  public void write(Map<DatapathId, List<OFMessage>> batches) {
    batches.forEach((id, msgs) -> switches.get(id).ifPresent(sw -> write(sw, Purpose.CONNECTION, msgs)));
  }

  /**
   * Writes a new connection: its FIN/SYN/RST traps ({@code traps}, per switch) where the switch has
   * flow-mods to spare (they have the first call on its tokens), then its entries ({@code entries},
   * per switch, in the order they should leave) if every switch they go to has flow-mods to spare
   * (all or none; entries get in only where the traps that went just before them did). Each switch
   * gets one batch, its traps ahead of its entries. False if the entries were left out: the
   * connection's packets keep coming to the controller, which judges them alike.
   */
  public boolean writeIfAdmitted(Map<DatapathId, List<OFMessage>> traps,
      Map<DatapathId, List<OFMessage>> entries) {
    // traps first: they have the first call on a switch's tokens (by position in the map: a path's
    // traps are at one or two switches, and this runs for every new connection)
    boolean[] trapsIn = new boolean[traps.size()];
    int trapCount = 0;
    int i = 0;
    for (Map.Entry<DatapathId, List<OFMessage>> t : traps.entrySet()) {
      List<OFMessage> msgs = t.getValue();
      if (!msgs.isEmpty() && budget.admit(FlowModBudget.Kind.TRAPS, t.getKey(), msgs.size())) {
        trapsIn[i] = true;
        trapCount += msgs.size();
      }
      i++;
    }
    boolean admitted = !entries.isEmpty() && budget.admitBatches(FlowModBudget.Kind.CONNECTION, entries);
    // one write per switch, its traps ahead of its entries: the traps' switches in their order, then the rest
    i = 0;
    for (Map.Entry<DatapathId, List<OFMessage>> t : traps.entrySet()) {
      if (trapsIn[i++]) {
        List<OFMessage> e = admitted ? entries.get(t.getKey()) : null;
        List<OFMessage> batch = t.getValue();
        if (e != null && !e.isEmpty()) {
          batch = new ArrayList<>(batch.size() + e.size());
          batch.addAll(t.getValue());
          batch.addAll(e);
        }
        writeBatch(t.getKey(), batch);
      }
    }
    if (admitted) {
      for (Map.Entry<DatapathId, List<OFMessage>> e : entries.entrySet()) {
        if (!trapsWritten(traps, trapsIn, e.getKey())) {
          writeBatch(e.getKey(), e.getValue());
        }
        sent[Purpose.CONNECTION.ordinal()].add(e.getValue().size());
      }
    }
    sent[Purpose.TRAP.ordinal()].add(trapCount);
    return admitted;
  }

  /** Whether {@code sw}'s traps were admitted (and its entries written with them). */
  private static boolean trapsWritten(Map<DatapathId, List<OFMessage>> traps, boolean[] admitted, DatapathId sw) {
    int i = 0;
    for (DatapathId id : traps.keySet()) {
      if (admitted[i++] && id.equals(sw)) {
        return true;
      }
    }
    return false;
  }

  private void writeBatch(DatapathId id, List<OFMessage> msgs) {
    SwitchHandle sw = switches.get(id).orElse(null);
    if (sw != null && !msgs.isEmpty()) {
      sw.write(msgs);
    }
  }

  /** Flow-mods written since this service was made, for every purpose. */
  public long sent() {
    long n = 0;
    for (LongAdder a : sent) {
      n += a.sum();
    }
    return n;
  }

  /** Flow-mods written for {@code purpose}. */
  public long sent(Purpose purpose) {
    return sent[purpose.ordinal()].sum();
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
            sent[Purpose.DROP.ordinal()].increment();
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
              sent[Purpose.DROP.ordinal()].increment();
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
    OFFlowAdd.Builder b = f.buildFlowAdd()
        .setMatch(match)
        .setCookie(cookie)
        .setPriority(settings.priority())
        .setIdleTimeout(settings.idleTimeoutSeconds())
        .setHardTimeout(0)
        .setBufferId(OFBufferId.NO_BUFFER)
        .setFlags(SEND_FLOW_REMOVED);
    if (f.getVersion() == OFVersion.OF_10) {
      b.setActions(List.of(f.actions().output(hop.out(), 0xFFFF)));
    } else {
      b.setTableId(TableId.ZERO).setInstructions(outputs.instructions(f, hop.out()));
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
}
