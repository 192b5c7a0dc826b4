package io.statewall.apps.main;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.statewall.cluster.ClusterMember;
import io.statewall.cluster.replication.ConntrackReplicator;
import io.statewall.controller.app.App;
import io.statewall.controller.app.AppContext;
import io.statewall.controller.app.ListenerResult;
import io.statewall.controller.roles.WriteFence;
import io.statewall.controller.switches.SwitchHandle;
import io.statewall.firewall.forwarding.ConnectionCookie;
import io.statewall.firewall.forwarding.FlowProgrammer;
import io.statewall.firewall.forwarding.OffloadCounters;
import io.statewall.firewall.forwarding.OffloadTable;
import io.statewall.netfilter.conntrack.ConnTracker;
import io.statewall.netfilter.conntrack.CtTuple;
import io.statewall.netfilter.packet.Family;
import io.statewall.netfilter.packet.IpAddress;
import io.statewall.netfilter.packet.Packet;
import io.statewall.netfilter.packet.PacketParser;
import io.statewall.topology.OpenFlowPorts;
import io.statewall.topology.TopologyApp;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import org.projectfloodlight.openflow.exceptions.OFParseError;
import org.projectfloodlight.openflow.protocol.OFFactories;
import org.projectfloodlight.openflow.protocol.OFFactory;
import org.projectfloodlight.openflow.protocol.OFFlowDelete;
import org.projectfloodlight.openflow.protocol.OFFlowMod;
import org.projectfloodlight.openflow.protocol.OFFlowRemoved;
import org.projectfloodlight.openflow.protocol.OFFlowRemovedReason;
import org.projectfloodlight.openflow.protocol.OFMessage;
import org.projectfloodlight.openflow.protocol.OFPacketIn;
import org.projectfloodlight.openflow.protocol.OFPacketInReason;
import org.projectfloodlight.openflow.protocol.OFPacketOut;
import org.projectfloodlight.openflow.protocol.OFVersion;
import org.projectfloodlight.openflow.protocol.action.OFAction;
import org.projectfloodlight.openflow.protocol.action.OFActionOutput;
import org.projectfloodlight.openflow.protocol.match.Match;
import org.projectfloodlight.openflow.protocol.match.MatchField;
import org.projectfloodlight.openflow.types.DatapathId;
import org.projectfloodlight.openflow.types.OFBufferId;
import org.projectfloodlight.openflow.types.OFPort;
import org.projectfloodlight.openflow.types.TableId;
import org.projectfloodlight.openflow.types.TransportPort;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Connections whose path crosses switches of two masters (docs/cluster.md, "Writes on another member's
 * switch"). Two relays over the replication channel:
 *
 * <ul>
 *   <li><b>Writes.</b> What this member's fence holds back from a switch it does not master, if it is a
 *       connection's (a flow-mod with statewall's connection cookie, a packet-out of a non-LLDP frame to
 *       physical ports), goes to that switch's master, which checks it again and writes it under its own
 *       epoch. Before each relay the conntrack replication is flushed, on the same channel from the same
 *       sender (FIFO): the master holds the connection's replica before the far end sees its packet.
 *   <li><b>Packet-ins.</b> A packet-in at a switch this member masters whose connection another live
 *       member owns (it holds that member's replica: the reply of a connection that entered at the
 *       owner's switch) goes to the owner, which handles it as a packet-in of that switch.
 *   <li><b>FLOW_REMOVED.</b> The switch sends an entry's FLOW_REMOVED to its master only (a SLAVE gets
 *       none by default): one of another live member's connection (the entries relayed above) goes to
 *       that owner, in batches per owner and switch, where its offload table and conntrack take it as
 *       one of its own switches' ({@link OffloadCounters#removed}). Flow statistics need no relay: every
 *       member reads every switch's counters itself, a SLAVE too (reading is not writing).
 * </ul>
 *
 * A request from a peer that does not pass the checks (malformed, for a switch this member does not
 * master, not a connection's entry; a report from a member that is not the switch's master, or of a
 * connection this member does not own) is refused whole, logged and counted; nothing of it is written
 * or applied.
 */
final class CrossSwitchRelay implements App {
  private static final Logger log = LoggerFactory.getLogger(CrossSwitchRelay.class);
  /** "XS": tells these messages from the channel's others. */
  static final int MAGIC = 0x5853;
  static final int VERSION = 1;
  static final int KIND_WRITES = 1;
  static final int KIND_PACKET_IN = 2;
  /** FLOW_REMOVED messages of one switch's entries of connections the member asked owns. */
  static final int KIND_FLOW_REMOVED = 3;
  static final int MAX_MESSAGES = 1_024;
  /**
   * Messages of one kind (writes, packet-ins, FLOW_REMOVED reports) waiting to go to another member at most;
   * past it they are dropped and counted: a peer that stops reading, or a send held by flow control, must
   * not grow this member's memory without limit. A write dropped is held back as a fenced one; a packet-in
   * dropped is a packet lost, which the sender retransmits.
   */
  static final int MAX_PENDING = 65_536;
  /** After the counters' own FLOW_REMOVED listener, which finds nothing of another member's connection here. */
  static final int FLOW_REMOVED_ORDER = OffloadCounters.FLOW_REMOVED_ORDER + 5;
  /** Packet-in order: after topology (it learns the host), before forwarding (it would judge it here). */
  static final int PACKET_IN_ORDER = TopologyApp.PACKET_IN_ORDER + 5;

  private final ClusterMember member;
  private final WriteFence fence;
  private final ConntrackReplicator channel;
  /** This member's live conntrack: a connection in it is this member's, whatever the replicas say. */
  private final ConnTracker tracker;
  private final FlowProgrammer flows;
  private final OffloadTable offloads;
  private final OffloadCounters counters;
  private final PacketParser parser = new PacketParser();
  private final ScheduledExecutorService work;
  private final ConcurrentLinkedQueue<Outgoing> queue = new ConcurrentLinkedQueue<>();
  private final AtomicBoolean drainQueued = new AtomicBoolean();
  private final Map<String, LongAdder> refused = new ConcurrentHashMap<>();
  private final LongAdder writesRelayed = new LongAdder();
  private final LongAdder writesServed = new LongAdder();
  private final LongAdder packetInsRelayed = new LongAdder();
  private final LongAdder packetInsServed = new LongAdder();
  private final LongAdder reportsRelayed = new LongAdder();
  private final LongAdder reportsServed = new LongAdder();
  /** What waits in {@link #queue}, per kind, bounded by {@link #MAX_PENDING}. */
  private final PendingBound pending = new PendingBound(KIND_FLOW_REMOVED, MAX_PENDING);
  private volatile AppContext context;

  /** A message for another member, in the order it was handed over: writes, a packet-in, or a report. */
  private record Outgoing(int kind, String to, DatapathId dpid, OFMessage message, int inPort, byte[] frame) {}

  /** {@code offloads} and {@code counters}: the firewall's, which take the reports of this member's connections. */
  CrossSwitchRelay(ClusterMember member, WriteFence fence, ConntrackReplicator channel, ConnTracker tracker,
      FlowProgrammer flows, OffloadTable offloads, OffloadCounters counters) {
    this.member = member;
    this.fence = fence;
    this.channel = channel;
    this.tracker = tracker;
    this.flows = flows;
    this.offloads = offloads;
    this.counters = counters;
    this.work = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "statewall-cross-switch-" + member.id());
      t.setDaemon(true);
      return t;
    });
    fence.relayTo(this::relayWrite);
    channel.attach(MAGIC, new ConntrackReplicator.Sideband() {
      @Override
      public void received(String from, byte[] buf, int off, int len) {
        CrossSwitchRelay.this.received(from, buf, off, len);
      }

      @Override
      public void viewChanged(Set<String> members, Set<String> newcomers) {}
    });
  }

  @Override
  public String name() {
    return "cluster-cross-switch";
  }

  @Override
  public void start(AppContext context) {
    this.context = context;
    context.addMessageListener(OFPacketIn.class, PACKET_IN_ORDER, this::packetIn);
    context.addMessageListener(OFFlowRemoved.class, FLOW_REMOVED_ORDER, this::flowRemoved);
  }

  @Override
  public void stop() {
    work.shutdownNow();
  }

  long writesRelayed() {
    return writesRelayed.sum();
  }

  long writesServed() {
    return writesServed.sum();
  }

  long packetInsRelayed() {
    return packetInsRelayed.sum();
  }

  long packetInsServed() {
    return packetInsServed.sum();
  }

  /** FLOW_REMOVED messages sent to their connections' owners. */
  long reportsRelayed() {
    return reportsRelayed.sum();
  }

  /** FLOW_REMOVED messages of this member's connections another member sent, taken. */
  long reportsServed() {
    return reportsServed.sum();
  }

  /** FLOW_REMOVED messages not sent to their owner because too many were waiting. */
  long reportsDropped() {
    return pending.refused(KIND_FLOW_REMOVED);
  }

  /** Requests refused, by the first words of their reason. */
  Map<String, Long> refused() {
    Map<String, Long> out = new java.util.TreeMap<>();
    refused.forEach((why, n) -> out.put(why, n.sum()));
    return out;
  }

  // ---- this member's side: what goes to another member ----

  /** The fence's relay, on the switch channel's thread: takes a connection's write for another member's switch. */
  boolean relayWrite(DatapathId dpid, OFMessage m) {
    if (refusal(m).isPresent()) {
      return false; // not a connection's (probes, table-miss entries): the master's own business
    }
    Optional<String> master = member.state().view().mastership(dpid.getLong()).master();
    if (master.isEmpty() || master.get().equals(member.id()) || !channel.inView(master.get())) {
      return false; // nobody else to write it (or this member about to be master): held back, as before
    }
    if (!pending.tryAdd(KIND_WRITES)) {
      return false; // too many waiting for the other members: held back, as a write with nobody to take it
    }
    queue.add(new Outgoing(KIND_WRITES, master.get(), dpid, m, 0, null));
    drainSoon();
    return true;
  }

  /** Packet-ins of a switch this member masters whose connection another member owns go to the owner. */
  private ListenerResult packetIn(SwitchHandle sw, OFPacketIn pi) {
    // a packet-in relayed to this member is served here, never relayed on
    if (fence.admitsRelayed() || !fence.mayWrite(sw.id())) {
      return ListenerResult.CONTINUE;
    }
    byte[] frame = pi.getData();
    Packet p = parser.parse(frame);
    if (!(p.isTcp() || p.isUdp()) || p.isFragmented() || p.src() == null) {
      return ListenerResult.CONTINUE; // ICMP replies across masters are not relayed yet (docs/cluster.md)
    }
    CtTuple seen = CtTuple.ports(p.src(), p.dst(), p.protocol(), p.srcPort(), p.dstPort());
    boolean opening = p.isTcp() && p.hasTcpFlag(Packet.TCP_SYN) && !p.hasTcpFlag(Packet.TCP_ACK);
    // a connection in this member's live conntrack is its own (the bulk under load: the SYN-ACK and ACK of
    // the connections its switches open), found in one shard without the replicas' lock, which the
    // replication's applier holds for whole batches; one member holds a connection live, the others replicas
    if (!opening && tracker.tracks(seen)) {
      return ListenerResult.CONTINUE;
    }
    // an opening is this switch's master's connection (the bulk under load), unless another member expects it:
    // an active FTP data connection from a server behind this switch to a client behind the owner's
    Optional<String> owner = opening
        ? channel.ownerExpecting(seen)
        : channel.ownerOf(seen)
            .or(() -> channel.ownerOf(CtTuple.ports(p.dst(), p.src(), p.protocol(), p.dstPort(), p.srcPort())))
            .or(() -> channel.ownerExpecting(seen));
    if (owner.isEmpty() || owner.get().equals(member.id()) || !channel.inView(owner.get())) {
      return ListenerResult.CONTINUE;
    }
    if (!pending.tryAdd(KIND_PACKET_IN)) {
      return ListenerResult.STOP; // lost, not judged here: another member owns its connection
    }
    queue.add(new Outgoing(KIND_PACKET_IN, owner.get(), sw.id(), null, OpenFlowPorts.inPort(pi).getPortNumber(),
        frame));
    drainSoon();
    return ListenerResult.STOP;
  }

  /**
   * An entry of a switch this member masters idled out: if it is a connection another live member owns
   * (this member holds that owner's replica of it, and no record of its own), its owner hears of it.
   */
  private ListenerResult flowRemoved(SwitchHandle sw, OFFlowRemoved fr) {
    if (!fence.mayWrite(sw.id()) || !ConnectionCookie.isOurs(fr.getCookie())
        || fr.getReason() == OFFlowRemovedReason.DELETE || offloads.get(fr.getCookie()) != null) {
      return ListenerResult.CONTINUE; // a SLAVE's copy (its master relays), not a connection's, a delete, or our own
    }
    Optional<CtTuple> seen = tupleOf(fr.getMatch());
    if (seen.isEmpty()) {
      return ListenerResult.CONTINUE; // ICMP: no tuple to look up (docs/cluster.md)
    }
    CtTuple t = seen.get();
    Optional<String> owner = channel.ownerOf(t)
        .or(() -> channel.ownerOf(CtTuple.ports(t.dst(), t.src(), t.protocol(), t.dstPort(), t.srcPort())));
    if (owner.isEmpty() || owner.get().equals(member.id()) || !channel.inView(owner.get())) {
      return ListenerResult.CONTINUE;
    }
    if (!pending.tryAdd(KIND_FLOW_REMOVED)) {
      return ListenerResult.CONTINUE;
    }
    queue.add(new Outgoing(KIND_FLOW_REMOVED, owner.get(), sw.id(), fr, 0, null));
    drainSoon();
    return ListenerResult.CONTINUE;
  }

  /** The tuple an exact TCP or UDP entry's match names, in the direction it matches; empty for anything else. */
  static Optional<CtTuple> tupleOf(Match m) {
    try {
      IpAddress src;
      IpAddress dst;
      if (m.get(MatchField.IPV4_SRC) != null && m.get(MatchField.IPV4_DST) != null) {
        src = IpAddress.v4(m.get(MatchField.IPV4_SRC).getInt());
        dst = IpAddress.v4(m.get(MatchField.IPV4_DST).getInt());
      } else if (m.get(MatchField.IPV6_SRC) != null && m.get(MatchField.IPV6_DST) != null) {
        src = IpAddress.of(m.get(MatchField.IPV6_SRC).getBytes(), 0, Family.IPV6);
        dst = IpAddress.of(m.get(MatchField.IPV6_DST).getBytes(), 0, Family.IPV6);
      } else {
        return Optional.empty();
      }
      if (m.get(MatchField.IP_PROTO) == null) {
        return Optional.empty();
      }
      int proto = m.get(MatchField.IP_PROTO).getIpProtocolNumber();
      TransportPort sport;
      TransportPort dport;
      if (proto == Packet.PROTO_TCP) {
        sport = m.get(MatchField.TCP_SRC);
        dport = m.get(MatchField.TCP_DST);
      } else if (proto == Packet.PROTO_UDP) {
        sport = m.get(MatchField.UDP_SRC);
        dport = m.get(MatchField.UDP_DST);
      } else {
        return Optional.empty();
      }
      return sport == null || dport == null ? Optional.empty()
          : Optional.of(CtTuple.ports(src, dst, proto, sport.getPort(), dport.getPort()));
    } catch (UnsupportedOperationException | IllegalArgumentException e) {
      return Optional.empty(); // a field this match's version does not have
    }
  }

  private void drainSoon() {
    if (drainQueued.compareAndSet(false, true)) {
      try {
        work.execute(this::drain);
      } catch (RejectedExecutionException e) {
        drainQueued.set(false);
      }
    }
  }

  /** On the work thread: the replication first (the connection's replica ahead of its writes), then each run of messages. */
  private void drain() {
    drainQueued.set(false);
    channel.flush();
    List<Outgoing> run = new ArrayList<>();
    Outgoing next;
    while ((next = queue.poll()) != null) {
      pending.removed(next.kind());
      if (next.kind() == KIND_PACKET_IN) {
        send(run);
        channel.sendSideband(null, encodePacketIn(next.to(), next.dpid(), next.inPort(), next.frame()));
        packetInsRelayed.increment();
        continue;
      }
      if (!run.isEmpty() && (run.get(0).kind() != next.kind() || !run.get(0).to().equals(next.to())
          || !run.get(0).dpid().equals(next.dpid()) || run.size() >= MAX_MESSAGES)) {
        send(run);
      }
      run.add(next);
    }
    send(run);
  }

  private void send(List<Outgoing> run) {
    if (run.isEmpty()) {
      return;
    }
    List<OFMessage> msgs = run.stream().map(Outgoing::message).toList();
    Outgoing first = run.get(0);
    // to everyone (the member named picks it out): one FIFO stream with the replication batches
    channel.sendSideband(null, encodeMessages(first.kind(), first.to(), first.dpid(), msgs));
    (first.kind() == KIND_FLOW_REMOVED ? reportsRelayed : writesRelayed).add(msgs.size());
    run.clear();
  }

  // ---- the other side: what another member asks of this one ----

  void received(String from, byte[] buf, int off, int len) {
    Request r;
    try {
      r = decode(buf, off, len);
    } catch (IllegalArgumentException e) {
      refuse(from, "malformed", e.getMessage());
      return;
    }
    if (!r.to().equals(member.id())) {
      return; // for another member
    }
    if (r.kind() == KIND_FLOW_REMOVED) {
      serveReports(from, r); // here, on the channel's thread: nothing waits in a queue of this member's
    } else if (r.kind() == KIND_WRITES) {
      work.execute(() -> serveWrites(from, r));
    } else {
      work.execute(() -> servePacketIn(from, r));
    }
  }

  private void serveWrites(String from, Request r) {
    if (!fence.mayWrite(r.dpid())) {
      refuse(from, "not master", "switch " + r.dpid() + " is not mastered here");
      return;
    }
    AppContext ctx = context;
    Optional<SwitchHandle> sw = ctx == null ? Optional.empty() : ctx.switches().get(r.dpid());
    if (sw.isEmpty()) {
      refuse(from, "not connected", "switch " + r.dpid() + " is not connected here");
      return;
    }
    List<OFMessage> msgs = new ArrayList<>(r.messages().size());
    for (byte[] bytes : r.messages()) {
      OFMessage m;
      try {
        m = OFFactories.getGenericReader().readFrom(Unpooled.wrappedBuffer(bytes));
      } catch (OFParseError | RuntimeException e) {
        refuse(from, "malformed", "an OpenFlow message that does not parse: " + e.getMessage());
        return;
      }
      if (m == null || m.getVersion() != sw.get().version()) {
        refuse(from, "malformed", "a message not in the switch's OpenFlow version " + sw.get().version());
        return;
      }
      Optional<String> why = refusal(m);
      if (why.isPresent()) {
        refuse(from, why.get().split(":")[0], why.get());
        return;
      }
      msgs.add(m);
    }
    // in order: a connection's entries (charged to the switch's budget as this member's own), then its packet
    List<OFMessage> entries = new ArrayList<>();
    for (OFMessage m : msgs) {
      if (m instanceof OFFlowMod) {
        entries.add(m);
      } else {
        flows.write(sw.get(), FlowProgrammer.Purpose.CONNECTION, List.copyOf(entries));
        entries.clear();
        sw.get().write(m);
      }
    }
    flows.write(sw.get(), FlowProgrammer.Purpose.CONNECTION, entries);
    writesServed.add(msgs.size());
  }

  /**
   * A peer's FLOW_REMOVED messages of this member's connections: taken only from the switch's committed
   * master, and only whole (each a FLOW_REMOVED of statewall's cookie, of a connection this member has
   * offloaded); then each as if the switch had sent it here.
   */
  private void serveReports(String from, Request r) {
    Optional<String> master = member.state().view().mastership(r.dpid().getLong()).master();
    if (!master.equals(Optional.of(from))) {
      refuse(from, "not master", "a report of switch " + r.dpid() + ", whose master is "
          + master.orElse("nobody") + ", not " + from);
      return;
    }
    List<OFFlowRemoved> reports = new ArrayList<>(r.messages().size());
    for (byte[] bytes : r.messages()) {
      OFMessage m;
      try {
        m = OFFactories.getGenericReader().readFrom(Unpooled.wrappedBuffer(bytes));
      } catch (OFParseError | RuntimeException e) {
        refuse(from, "malformed", "an OpenFlow message that does not parse: " + e.getMessage());
        return;
      }
      if (!(m instanceof OFFlowRemoved fr)) {
        refuse(from, "malformed", "a report holding a " + (m == null ? "nothing" : m.getType()) + ", not a FLOW_REMOVED");
        return;
      }
      if (!ConnectionCookie.isOurs(fr.getCookie())) {
        refuse(from, "foreign cookie", "a report of cookie " + fr.getCookie() + ", not a statewall connection's");
        return;
      }
      if (offloads.entry(fr.getCookie()).isEmpty()) {
        refuse(from, "not owned", "a report of cookie " + fr.getCookie() + ", not a connection offloaded here");
        return;
      }
      reports.add(fr);
    }
    for (OFFlowRemoved fr : reports) {
      counters.removed(r.dpid(), fr);
    }
    reportsServed.add(reports.size());
  }

  private void servePacketIn(String from, Request r) {
    AppContext ctx = context;
    Optional<SwitchHandle> sw = ctx == null ? Optional.empty() : ctx.switches().get(r.dpid());
    if (sw.isEmpty()) {
      refuse(from, "not connected", "switch " + r.dpid() + " is not connected here");
      return;
    }
    OFFactory f = sw.get().factory();
    OFPacketIn.Builder b = f.buildPacketIn().setBufferId(OFBufferId.NO_BUFFER).setTotalLen(r.frame().length)
        .setReason(OFPacketInReason.NO_MATCH).setData(r.frame());
    OFPort port = OFPort.of(r.inPort());
    if (f.getVersion() == OFVersion.OF_10) {
      b.setInPort(port);
    } else {
      b.setTableId(TableId.of(0)).setMatch(f.buildMatch().setExact(MatchField.IN_PORT, port).build());
    }
    OFPacketIn pi = b.build();
    // past the role filter, which drops what a switch not mastered here sends
    fence.admittingRelayed(() -> ctx.dispatch(sw.get(), pi));
    packetInsServed.increment();
  }

  private void refuse(String from, String reason, String detail) {
    refused.computeIfAbsent(reason, k -> new LongAdder()).increment();
    log.warn("member {}: refused a request from {}: {}", member.id(), from, detail);
  }

  /**
   * Why {@code m} may not be written to a switch on another member's behalf, if it may not: only a
   * connection's entries (statewall's cookie; a delete only of statewall's entries) and the packet-out
   * of a non-LLDP frame, unbuffered, out of physical ports.
   */
  static Optional<String> refusal(OFMessage m) {
    if (m instanceof OFFlowMod fm) {
      if (!ConnectionCookie.isOurs(fm.getCookie())) {
        return Optional.of("foreign cookie: " + fm.getCookie() + " is not a statewall connection's");
      }
      if (fm instanceof OFFlowDelete d && m.getVersion() != OFVersion.OF_10
          && (d.getCookieMask().getValue() & ConnectionCookie.TAG_MASK) != ConnectionCookie.TAG_MASK) {
        return Optional.of("foreign cookie: a delete whose cookie mask " + d.getCookieMask()
            + " reaches beyond statewall's entries");
      }
      if (fm instanceof OFFlowDelete && m.getVersion() == OFVersion.OF_10) {
        return Optional.of("not a connection's: OpenFlow 1.0 deletes ignore the cookie");
      }
      return Optional.empty();
    }
    if (m instanceof OFPacketOut po) {
      if (!po.getBufferId().equals(OFBufferId.NO_BUFFER)) {
        return Optional.of("not a connection's: a packet-out of a switch buffer");
      }
      byte[] data = po.getData();
      if (data.length < 14 || ((data[12] & 0xFF) << 8 | data[13] & 0xFF) == 0x88CC) {
        return Optional.of("not a connection's: a packet-out of LLDP or of no frame");
      }
      if (po.getActions().isEmpty()) {
        return Optional.of("not a connection's: a packet-out with no output");
      }
      for (OFAction a : po.getActions()) {
        if (!(a instanceof OFActionOutput out) || !OpenFlowPorts.isPhysical(out.getPort())) {
          return Optional.of("not a connection's: a packet-out with " + a);
        }
      }
      return Optional.empty();
    }
    return Optional.of("not a connection's: a " + m.getType());
  }

  // ---- the wire: magic, version, kind, the member asked, the switch, then the writes or the packet ----

  /** A decoded request: writes (OpenFlow bytes, each to parse) or one packet-in. */
  record Request(int kind, String to, DatapathId dpid, List<byte[]> messages, int inPort, byte[] frame) {}

  static byte[] encodeWrites(String to, DatapathId dpid, List<OFMessage> msgs) {
    return encodeMessages(KIND_WRITES, to, dpid, msgs);
  }

  /** A report of {@code dpid}'s FLOW_REMOVED messages for their connections' owner {@code to}. */
  static byte[] encodeReports(String to, DatapathId dpid, List<? extends OFMessage> msgs) {
    return encodeMessages(KIND_FLOW_REMOVED, to, dpid, msgs);
  }

  private static byte[] encodeMessages(int kind, String to, DatapathId dpid, List<? extends OFMessage> msgs) {
    ByteBuf buf = Unpooled.buffer();
    header(buf, kind, to, dpid);
    buf.writeShort(msgs.size());
    for (OFMessage m : msgs) {
      int at = buf.writerIndex();
      buf.writeShort(0);
      m.writeTo(buf);
      buf.setShort(at, buf.writerIndex() - at - 2);
    }
    byte[] out = new byte[buf.readableBytes()];
    buf.readBytes(out);
    return out;
  }

  static byte[] encodePacketIn(String to, DatapathId dpid, int inPort, byte[] frame) {
    ByteBuf buf = Unpooled.buffer();
    header(buf, KIND_PACKET_IN, to, dpid);
    buf.writeInt(inPort);
    buf.writeShort(frame.length);
    buf.writeBytes(frame);
    byte[] out = new byte[buf.readableBytes()];
    buf.readBytes(out);
    return out;
  }

  private static void header(ByteBuf buf, int kind, String to, DatapathId dpid) {
    byte[] name = to.getBytes(StandardCharsets.UTF_8);
    buf.writeShort(MAGIC).writeByte(VERSION).writeByte(kind).writeShort(name.length).writeBytes(name)
        .writeLong(dpid.getLong());
  }

  /** Reads a request; {@link IllegalArgumentException} says what is wrong with a bad one. */
  static Request decode(byte[] bytes, int off, int len) {
    ByteBuffer b = ByteBuffer.wrap(bytes, off, len);
    try {
      if ((b.getShort() & 0xFFFF) != MAGIC) {
        throw new IllegalArgumentException("not a cross-switch request");
      }
      int version = b.get() & 0xFF;
      if (version != VERSION) {
        throw new IllegalArgumentException("cross-switch request version " + version + ", this member reads " + VERSION);
      }
      int kind = b.get() & 0xFF;
      byte[] name = new byte[b.getShort() & 0xFFFF];
      b.get(name);
      String to = new String(name, StandardCharsets.UTF_8);
      DatapathId dpid = DatapathId.of(b.getLong());
      Request r;
      if (kind == KIND_WRITES || kind == KIND_FLOW_REMOVED) {
        int n = b.getShort() & 0xFFFF;
        if (n == 0 || n > MAX_MESSAGES) {
          throw new IllegalArgumentException(n + " messages in one request (1 to " + MAX_MESSAGES + ")");
        }
        List<byte[]> msgs = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
          int size = b.getShort() & 0xFFFF;
          if (size > b.remaining()) {
            throw new IllegalArgumentException("cross-switch request cut short");
          }
          byte[] m = new byte[size];
          b.get(m);
          msgs.add(m);
        }
        r = new Request(kind, to, dpid, List.copyOf(msgs), 0, null);
      } else if (kind == KIND_PACKET_IN) {
        int port = b.getInt();
        if (!OpenFlowPorts.isPhysical(OFPort.of(port))) {
          throw new IllegalArgumentException("a packet-in from port " + Integer.toUnsignedString(port)
              + ", not a physical port");
        }
        byte[] frame = new byte[b.getShort() & 0xFFFF];
        b.get(frame);
        r = new Request(kind, to, dpid, List.of(), port, frame);
      } else {
        throw new IllegalArgumentException("unknown cross-switch request kind " + kind);
      }
      if (b.hasRemaining()) {
        throw new IllegalArgumentException(b.remaining() + " bytes after the request");
      }
      return r;
    } catch (BufferUnderflowException e) {
      throw new IllegalArgumentException("cross-switch request cut short", e);
    }
  }
}
