package io.statewall.bench;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.DecoderException;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.ScheduledFuture;
import io.statewall.netfilter.packet.Bytes;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.projectfloodlight.openflow.protocol.OFControllerRole;
import org.projectfloodlight.openflow.protocol.OFFactories;
import org.projectfloodlight.openflow.protocol.OFFactory;
import org.projectfloodlight.openflow.protocol.OFFlowMod;
import org.projectfloodlight.openflow.protocol.OFMessage;
import org.projectfloodlight.openflow.protocol.OFPacketIn;
import org.projectfloodlight.openflow.protocol.OFPacketInReason;
import org.projectfloodlight.openflow.protocol.OFPacketOut;
import org.projectfloodlight.openflow.protocol.OFRoleRequest;
import org.projectfloodlight.openflow.protocol.OFSetConfig;
import org.projectfloodlight.openflow.protocol.OFType;
import org.projectfloodlight.openflow.protocol.OFVersion;
import org.projectfloodlight.openflow.protocol.match.Match;
import org.projectfloodlight.openflow.protocol.match.MatchField;
import org.projectfloodlight.openflow.types.OFBufferId;
import org.projectfloodlight.openflow.types.OFPort;
import org.projectfloodlight.openflow.types.TableId;
import org.projectfloodlight.openflow.types.U64;

/**
 * One emulated OpenFlow switch, with a TCP connection (a {@link Link}) to each controller it lists. It
 * answers the handshake, configuration, echo, barrier and statistics requests the way Open vSwitch
 * does, accepts flow-mods silently, and, once ready, sends packet-ins of new TCP connections from its
 * hosts and recognises the flow-mods and packet-outs that set them up.
 *
 * <p>With several controllers it applies OpenFlow 1.3 roles as Open vSwitch does ({@link SwitchRoles}:
 * the highest generation id is kept, an older one refused as STALE, a new MASTER makes the others
 * SLAVE), sends packet-ins to its MASTER only (none while it has none), and refuses flow-mods and
 * packet-outs from a SLAVE (counted: {@link #slaveWrites()}). With one controller that never asks for
 * a role, that one is EQUAL and gets everything, as before. When its master changes (a new MASTER, or
 * the master's connection closed) the connections in flight are given up at once (counted as timed
 * out: their answers would come from a controller the switch no longer takes writes from) and new
 * ones go to the new master.
 *
 * <p>All state lives on one event loop, which every link of the switch shares; the public methods hop
 * onto it.
 */
public final class EmulatedSwitch implements PendingSetup.Owner {
  private static final int ETH_LLDP = 0x88CC;
  private static final int ETH_BDDP = 0x8942;
  private static final long EXPIRY_PERIOD_MS = 50;
  private static final int SOURCE_PORTS = 64_512; // 1024..65535
  private static final long PACE_PERIOD_US = 500;

  private final int number;
  private final LoadConfig config;
  private final EmulatedNetwork network;
  private final SetupLedger ledger;
  private final SwitchFabric fabric;
  private final CompletableFuture<Void> ready = new CompletableFuture<>();
  private final CompletableFuture<Void> closed = new CompletableFuture<>();
  private final ArrayDeque<PendingSetup> inFlight = new ArrayDeque<>();
  private final long timeoutNanos;
  private final SwitchReplies replies;
  private final SwitchRoles roles = new SwitchRoles();
  private final List<Link> links = new CopyOnWriteArrayList<>();
  private final AtomicLong slaveWrites = new AtomicLong();
  private final java.util.Map<OFType, AtomicLong> slaveWritesByType = new java.util.concurrent.ConcurrentHashMap<>();
  private final AtomicLong staleRefused = new AtomicLong();
  private final AtomicLong masterChanges = new AtomicLong();

  private volatile EventExecutor loop; // the links' loop, set by the first that is active
  private volatile boolean closing;
  private volatile String master;
  private boolean tableMissSeen;
  private boolean loading;
  private long loadDeadlineNanos;
  private int window;
  private double pacedPerNano;
  private double credit;
  private long lastPaceNanos;
  private ScheduledFuture<?> pacer;
  private int outstanding;
  private long nextConnection;
  private ScheduledFuture<?> expiryTask;
  private volatile long markNanos;
  private volatile long firstSetupAfterMark;

  EmulatedSwitch(int number, LoadConfig config, SetupLedger ledger, SwitchFabric fabric) {
    this.number = number;
    this.config = config;
    this.network = config.network();
    this.ledger = ledger;
    this.fabric = fabric;
    this.timeoutNanos = config.connectionTimeout().toNanos();
    this.replies = new SwitchReplies(number, network.datapathId(number), network.portCount());
  }

  /**
   * A new connection of this switch to the controller called {@code member} (a name unique among this
   * switch's controllers): the handler to put at the end of its pipeline. Every link of a switch must
   * run on the same event loop.
   */
  Link link(String member) {
    Link l = new Link(member);
    links.add(l);
    return l;
  }

  public int number() {
    return number;
  }

  /**
   * Completes when the controller the switch sends its packet-ins to (its master, or its only
   * controller) answered a barrier after a table-miss entry was installed (1.3), or when a controller
   * became master of a switch that already has one.
   */
  public CompletableFuture<Void> ready() {
    return ready;
  }

  /**
   * Completes normally when we closed the connections, exceptionally when anything else ended the
   * last of them (or, with one controller, the only one).
   */
  public CompletableFuture<Void> closed() {
    return closed;
  }

  /** The controller this switch holds as MASTER now, if any. */
  public Optional<String> master() {
    return Optional.ofNullable(master);
  }

  /** Flow-mods, packet-outs and other writes refused because their controller was SLAVE here. */
  public long slaveWrites() {
    return slaveWrites.get();
  }

  /** {@link #slaveWrites()} by message type. */
  public java.util.Map<OFType, Long> slaveWritesByType() {
    java.util.Map<OFType, Long> m = new java.util.TreeMap<>();
    slaveWritesByType.forEach((t, n) -> m.put(t, n.get()));
    return m;
  }

  /** Role requests refused with OFPRRFC_STALE (a generation id older than the switch's). */
  public long staleRefused() {
    return staleRefused.get();
  }

  /** Times the switch's master changed to another controller or to none (the first MASTER not counted). */
  public long masterChanges() {
    return masterChanges.get();
  }

  /**
   * From now on, remembers when the first connection sent at or after {@code nanos} is set up
   * ({@link #firstSetupAfterMark}): what a failover measurement waits for.
   */
  void mark(long nanos) {
    firstSetupAfterMark = 0;
    markNanos = nanos;
  }

  /** When ({@link System#nanoTime}) the first connection sent after {@link #mark} was set up; 0 before. */
  long firstSetupAfterMark() {
    return firstSetupAfterMark;
  }

  // ---- driven by the load generator (any thread) ----

  /** Each host sends a gratuitous ARP, so the controller learns where it is. */
  void announceHosts() {
    onLoop(() -> {
      for (int h = 1; h <= network.hostsPerSwitch(); h++) {
        sendPacketIn(network.hostPort(h),
            FrameWriter.gratuitousArp(network.hostMac(number, h), network.hostIp(number, h)));
      }
    });
  }

  /** One connection whose completion proves the controller can set up this switch's traffic. */
  void sendProbe() {
    onLoop(() -> {
      if (target() != null) {
        sendConnection(true);
      }
    });
  }

  /**
   * Sends new connections until {@code deadlineNanos}, never more than {@code window} outstanding:
   * as fast as they complete when {@code perSecond} is 0, else paced to {@code perSecond}.
   */
  void startLoad(int window, double perSecond, long deadlineNanos) {
    onLoop(() -> {
      loading = true;
      loadDeadlineNanos = deadlineNanos;
      this.window = window;
      if (perSecond > 0) {
        pacedPerNano = perSecond / 1e9;
        lastPaceNanos = System.nanoTime();
        pacer = loop.scheduleAtFixedRate(
            this::pace, PACE_PERIOD_US, PACE_PERIOD_US, TimeUnit.MICROSECONDS);
      }
      refill();
    });
  }

  void stopLoad() {
    onLoop(() -> {
      loading = false;
      if (pacer != null) {
        pacer.cancel(false);
      }
    });
  }

  /** Open-loop pacing: sends what the rate owes since the last tick, as the window allows. */
  private void pace() {
    long now = System.nanoTime();
    credit = Math.min(credit + (now - lastPaceNanos) * pacedPerNano, window);
    lastPaceNanos = now;
    while (loading && credit >= 1 && outstanding < window && now < loadDeadlineNanos && target() != null) {
      credit -= 1;
      sendConnection(false);
    }
  }

  /** A frame arriving over a link from a peer switch: the switch has no entry, so it goes up. */
  void receiveFromLink(int port, byte[] frame) {
    onLoop(() -> sendPacketIn(port, frame));
  }

  /** Closes the connections (idempotent); {@link #closed()} then completes normally. */
  void close() {
    closing = true;
    boolean any = false;
    for (Link l : links) {
      ChannelHandlerContext c = l.ctx;
      if (c != null) {
        any = true;
        c.close();
      }
    }
    if (!any || links.stream().allMatch(l -> l.inactive)) {
      closed.complete(null);
    }
  }

  // ---- roles (event loop) ----

  /** Where packet-ins go: the MASTER, or the one controller while it is not SLAVE; null for none. */
  private Link target() {
    if (links.size() == 1) {
      Link only = links.get(0);
      return only.negotiated && !only.inactive && roles.of(only.member) != OFControllerRole.ROLE_SLAVE
          ? only : null;
    }
    String m = master;
    if (m == null) {
      return null;
    }
    for (Link l : links) {
      if (l.member.equals(m) && l.negotiated && !l.inactive) {
        return l;
      }
    }
    return null;
  }

  /** After a role change or a lost connection: who is master now, and what follows if that changed. */
  private void mastershipMayHaveMoved() {
    String now = roles.master().orElse(null);
    String before = master;
    if (java.util.Objects.equals(now, before)) {
      return;
    }
    master = now;
    if (before != null) {
      masterChanges.incrementAndGet();
      abandonInFlight();
    }
    if (now != null && tableMissSeen) {
      ready.complete(null);
    }
    refill();
  }

  /** Gives up every connection in flight: what the previous master would answer is refused now. */
  private void abandonInFlight() {
    PendingSetup p;
    while ((p = inFlight.poll()) != null) {
      if (ledger.expire(p) && !p.probe) {
        outstanding--;
      }
    }
  }

  private void linkClosed(Link l, BenchException why) {
    roles.disconnected(l.member);
    boolean allGone = links.stream().allMatch(x -> x.inactive);
    if (links.size() == 1 || allGone) {
      if (expiryTask != null) {
        expiryTask.cancel(false);
      }
      if (pacer != null) {
        pacer.cancel(false);
      }
      loading = false;
      fail(why);
      closed.complete(null);
      return;
    }
    mastershipMayHaveMoved();
  }

  private void fail(BenchException e) {
    if (!closing) {
      closing = true;
      ready.completeExceptionally(e);
      closed.completeExceptionally(e);
    }
  }

  /** One connection of the switch to one controller: its handshake, its role, what it writes. */
  final class Link extends SimpleChannelInboundHandler<Object> {
    final String member;
    private volatile ChannelHandlerContext ctx;
    private OFFactory factory = OFFactories.getFactory(config.version());
    private volatile boolean negotiated;
    private volatile boolean inactive;
    private boolean featuresSent;
    private int missSendLen = 0xFFFF;
    private Match[] inPortMatches;

    private Link(String member) {
      this.member = member;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
      this.ctx = ctx;
      roles.connected(member);
      if (loop == null) {
        loop = ctx.executor();
        expiryTask = loop.scheduleAtFixedRate(
            EmulatedSwitch.this::expireOverdue, EXPIRY_PERIOD_MS, EXPIRY_PERIOD_MS, TimeUnit.MILLISECONDS);
      }
      ctx.writeAndFlush(factory.buildHello().setXid(0).build());
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
      inactive = true;
      linkClosed(this, new BenchException(name() + ": the controller closed the connection"));
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      // a reset or a broken pipe is the controller going away, as an orderly close is
      String why = cause instanceof DecoderException
          ? "malformed message from the controller: " + cause.getMessage()
          : cause instanceof java.io.IOException
              ? "the controller closed the connection (" + cause.getMessage() + ")"
              : cause.toString();
      if (links.size() == 1 || cause instanceof DecoderException) {
        fail(new BenchException(name() + ": " + why, cause));
      }
      ctx.close();
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, Object msg) {
      if (msg instanceof HotMessageReader.FlowModSeen fm) {
        if (mayWrite(OFType.FLOW_MOD)) {
          onFlowMod(fm);
        }
      } else if (msg instanceof HotMessageReader.PacketOutSeen po) {
        if (mayWrite(OFType.PACKET_OUT)) {
          onPacketOut(po);
        }
      } else if (msg instanceof OFMessage m) {
        onMessage(m);
      }
    }

    /** False, counted, for a write from a SLAVE: Open vSwitch refuses it (OFPBRC_IS_SLAVE). */
    private boolean mayWrite(OFType type) {
      if (roles.of(member) == OFControllerRole.ROLE_SLAVE) {
        slaveWrites.incrementAndGet();
        slaveWritesByType.computeIfAbsent(type, t -> new AtomicLong()).incrementAndGet();
        return false;
      }
      return true;
    }

    private void onMessage(OFMessage m) {
      switch (m.getType()) {
        case HELLO -> onHello(m);
        case FEATURES_REQUEST -> {
          write(replies.featuresReply(factory, m.getXid()));
          featuresSent = true;
        }
        case SET_CONFIG -> missSendLen = ((OFSetConfig) m).getMissSendLen();
        case BARRIER_REQUEST -> {
          write(factory.buildBarrierReply().setXid(m.getXid()).build());
          if (featuresSent && (tableMissSeen || factory.getVersion() == OFVersion.OF_10) && target() == this) {
            ready.complete(null);
          }
        }
        case FLOW_MOD -> {
          if (mayWrite(OFType.FLOW_MOD)) {
            onFlowMod(HotMessageReader.of((OFFlowMod) m));
          }
        }
        case PACKET_OUT -> {
          if (mayWrite(OFType.PACKET_OUT)) {
            onPacketOut(HotMessageReader.of((OFPacketOut) m));
          }
        }
        case GROUP_MOD, METER_MOD, PORT_MOD, TABLE_MOD -> mayWrite(m.getType());
        case ROLE_REQUEST -> {
          if (factory.getVersion() == OFVersion.OF_10) {
            write(replies.reply(factory, m, missSendLen));
            return;
          }
          SwitchRoles.Outcome o = roles.request(member, (OFRoleRequest) m);
          if (!o.accepted()) {
            staleRefused.incrementAndGet();
          }
          write(o.reply());
          mastershipMayHaveMoved();
        }
        default -> {
          // echo, configuration and statistics requests get their replies; errors, experimenters:
          // a switch takes them silently
          OFMessage reply = replies.reply(factory, m, missSendLen);
          if (reply != null) {
            write(reply);
          }
        }
      }
    }

    private void onHello(OFMessage hello) {
      OFVersion ours = config.version();
      OFVersion theirs = hello.getVersion();
      OFVersion agreed = theirs.getWireVersion() < ours.getWireVersion() ? theirs : ours;
      if (agreed != OFVersion.OF_10 && agreed != OFVersion.OF_13) {
        fail(new BenchException(name() + ": no common OpenFlow version (controller offers "
            + theirs + ", the emulated switch speaks 1.0 and 1.3)"));
        ctx.close();
        return;
      }
      factory = OFFactories.getFactory(agreed);
      inPortMatches = new Match[network.portCount() + 1];
      if (agreed != OFVersion.OF_10) {
        for (int p = 1; p <= network.portCount(); p++) {
          inPortMatches[p] = factory.buildMatch().setExact(MatchField.IN_PORT, OFPort.of(p)).build();
        }
      }
      negotiated = true;
    }

    private void packetIn(int port, byte[] frame) {
      int len = Math.min(frame.length, missSendLen);
      byte[] data = len == frame.length ? frame : java.util.Arrays.copyOf(frame, len);
      OFPacketIn.Builder b = factory.buildPacketIn()
          .setXid(0)
          .setBufferId(OFBufferId.NO_BUFFER)
          .setTotalLen(frame.length)
          .setReason(OFPacketInReason.NO_MATCH)
          .setData(data);
      if (factory.getVersion() == OFVersion.OF_10) {
        b.setInPort(OFPort.of(port));
      } else {
        b.setTableId(TableId.of(0)).setCookie(U64.ZERO).setMatch(inPortMatches[port]);
      }
      write(b.build());
    }

    private void write(OFMessage m) {
      ctx.writeAndFlush(m, ctx.voidPromise());
    }
  }

  private void onFlowMod(HotMessageReader.FlowModSeen fm) {
    if (!fm.addsOrModifies()) {
      return;
    }
    if (fm.priority() == 0 && fm.matchesAll()) {
      tableMissSeen = true;
      return;
    }
    if (fm.tuple() != null) {
      ledger.onFlowMod(fm.tuple(), number, !fm.forwards(), System.nanoTime());
    }
  }

  private void onPacketOut(HotMessageReader.PacketOutSeen po) {
    byte[] data = po.data();
    if (data.length < 14) {
      return;
    }
    int etherType = Bytes.u16(data, 12);
    if (etherType == ETH_LLDP || etherType == ETH_BDDP) {
      for (int port : po.outputPorts()) {
        forwardDiscovery(port, po.inPort(), data);
      }
      return;
    }
    FiveTuple key = FiveTuple.fromFrame(data);
    if (key == null) {
      return;
    }
    if (config.expectation() == FlowExpectation.HANDSHAKE && answerHandshake(po, key, data)) {
      return;
    }
    ledger.onPacketOut(key, System.nanoTime());
  }

  /**
   * The host behind the packet-out's port answers a SYN or a SYN-ACK of a pending connection with
   * the handshake's next segment, as a packet-in on that port; true if the frame was one of those.
   */
  private boolean answerHandshake(HotMessageReader.PacketOutSeen po, FiveTuple key, byte[] data) {
    int flags = FrameWriter.tcpFlags(data);
    if (flags != 0x02 && flags != 0x12) {
      return false;
    }
    FiveTuple original = flags == 0x02 ? key : key.reversed();
    int[] ports = po.outputPorts();
    if (ledger.isPending(original) && ports.length == 1 && ports[0] >= 1
        && ports[0] <= network.hostsPerSwitch()) {
      byte[] answer = FrameWriter.handshakeAnswer(data);
      if (answer != null) {
        sendPacketIn(ports[0], answer);
      }
    }
    return true;
  }

  private void forwardDiscovery(int port, int inPort, byte[] frame) {
    if (port == OFPort.FLOOD.getPortNumber() || port == OFPort.ALL.getPortNumber()) {
      for (int p : new int[] {network.nextPort(), network.previousPort()}) {
        if (inPort != p) {
          fabric.carry(number, p, frame);
        }
      }
    } else {
      fabric.carry(number, port, frame);
    }
  }

  // ---- load ----

  private void refill() {
    while (loading && pacer == null && outstanding < window && System.nanoTime() < loadDeadlineNanos
        && target() != null) {
      sendConnection(false);
    }
  }

  private void sendConnection(boolean probe) {
    long k = nextConnection++;
    int hosts = network.hostsPerSwitch();
    int srcHost = 1 + (int) (k % hosts);
    int dstHost = network.oneSwitchPaths()
        ? 1 + (srcHost + (int) ((k / hosts) % (hosts - 1))) % hosts // any host of s but the source
        : 1 + (int) ((k / hosts) % hosts);
    // distinct 5-tuples for hosts^2 * 64512 connections per switch before any repeats
    int pairs = network.oneSwitchPaths() ? hosts * (hosts - 1) : hosts * hosts;
    int srcPort = 1024 + (int) ((k / pairs) % SOURCE_PORTS);
    int peer = network.peerSwitch(number);
    int srcIp = network.hostIp(number, srcHost);
    int dstIp = network.hostIp(peer, dstHost);
    long seq = (k * 2_654_435_761L) ^ number;
    byte[] frame = FrameWriter.tcpSyn(network.hostMac(number, srcHost), network.hostMac(peer, dstHost),
        srcIp, dstIp, srcPort, config.dstPort(), seq);
    FiveTuple key = new FiveTuple(srcIp, dstIp, srcPort, config.dstPort());
    PendingSetup p = ledger.open(new PendingSetup.Sent(key, number, peer, probe), this, System.nanoTime());
    inFlight.add(p);
    if (!probe) {
      outstanding++;
    }
    sendPacketIn(network.hostPort(srcHost), frame);
  }

  private void sendPacketIn(int port, byte[] frame) {
    Link to = target();
    if (to != null) {
      to.packetIn(port, frame);
    }
  }

  /** Called by the ledger, from any thread, once a connection of this switch is settled. */
  @Override
  public void settled(PendingSetup p) {
    long mark = markNanos;
    if (mark != 0 && !p.probe && p.sentNanos >= mark && firstSetupAfterMark == 0) {
      firstSetupAfterMark = System.nanoTime();
    }
    onLoop(() -> {
      if (!p.probe) {
        outstanding--;
      }
      refill();
    });
  }

  private void expireOverdue() {
    long now = System.nanoTime();
    PendingSetup p;
    while ((p = inFlight.peek()) != null) {
      if (p.isSettled()) {
        inFlight.poll();
        continue;
      }
      if (now - p.sentNanos < timeoutNanos) {
        break;
      }
      inFlight.poll();
      if (ledger.expire(p)) {
        if (!p.probe) {
          outstanding--;
        }
      }
    }
    refill();
  }

  // ---- plumbing ----

  private void onLoop(Runnable r) {
    EventExecutor l = loop;
    if (l == null) {
      return;
    }
    if (l.inEventLoop()) {
      r.run();
    } else {
      l.execute(r);
    }
  }

  private String name() {
    return "switch s" + number;
  }
}
