package io.statewall.bench;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.DecoderException;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.ScheduledFuture;
import io.statewall.netfilter.packet.Bytes;
import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.projectfloodlight.openflow.protocol.OFFactories;
import org.projectfloodlight.openflow.protocol.OFFactory;
import org.projectfloodlight.openflow.protocol.OFFlowMod;
import org.projectfloodlight.openflow.protocol.OFMessage;
import org.projectfloodlight.openflow.protocol.OFPacketIn;
import org.projectfloodlight.openflow.protocol.OFPacketInReason;
import org.projectfloodlight.openflow.protocol.OFPacketOut;
import org.projectfloodlight.openflow.protocol.OFSetConfig;
import org.projectfloodlight.openflow.protocol.OFVersion;
import org.projectfloodlight.openflow.protocol.match.Match;
import org.projectfloodlight.openflow.protocol.match.MatchField;
import org.projectfloodlight.openflow.types.OFBufferId;
import org.projectfloodlight.openflow.types.OFPort;
import org.projectfloodlight.openflow.types.TableId;
import org.projectfloodlight.openflow.types.U64;

/**
 * One emulated OpenFlow switch on its own TCP connection to the controller. It answers the
 * handshake, configuration, echo, barrier and statistics requests the way Open vSwitch does, accepts
 * flow-mods silently, and, once ready, sends packet-ins of new TCP connections from its hosts and
 * recognises the flow-mods and packet-outs that set them up.
 *
 * <p>All state lives on the channel's event loop; the public methods hop onto it.
 */
public final class EmulatedSwitch extends SimpleChannelInboundHandler<Object>
    implements PendingSetup.Owner {
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

  private volatile ChannelHandlerContext ctx; // set on the loop, read by the generator thread
  private OFFactory factory;
  private volatile boolean negotiated;
  private volatile boolean closing;
  private boolean featuresSent;
  private boolean tableMissSeen;
  private int missSendLen = 0xFFFF;
  private Match[] inPortMatches;
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

  EmulatedSwitch(int number, LoadConfig config, SetupLedger ledger, SwitchFabric fabric) {
    this.number = number;
    this.config = config;
    this.network = config.network();
    this.ledger = ledger;
    this.fabric = fabric;
    this.timeoutNanos = config.connectionTimeout().toNanos();
    this.factory = OFFactories.getFactory(config.version());
    this.replies = new SwitchReplies(number, network.datapathId(number), network.portCount());
  }

  public int number() {
    return number;
  }

  /** Completes when the controller installed its table-miss entry (1.3) and a barrier was answered. */
  public CompletableFuture<Void> ready() {
    return ready;
  }

  /** Completes normally when we closed the connection, exceptionally when anything else ended it. */
  public CompletableFuture<Void> closed() {
    return closed;
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
    onLoop(() -> sendConnection(true));
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
        pacer = ctx.executor().scheduleAtFixedRate(
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
    while (loading && credit >= 1 && outstanding < window && now < loadDeadlineNanos) {
      credit -= 1;
      sendConnection(false);
    }
  }

  /** A frame arriving over a link from a peer switch: the switch has no entry, so it goes up. */
  void receiveFromLink(int port, byte[] frame) {
    if (negotiated) {
      onLoop(() -> sendPacketIn(port, frame));
    }
  }

  /** Closes the connection (idempotent); {@link #closed()} then completes normally. */
  void close() {
    closing = true;
    if (ctx != null) {
      ctx.close();
    } else {
      closed.complete(null);
    }
  }

  // ---- channel events (event loop) ----

  @Override
  public void channelActive(ChannelHandlerContext ctx) {
    this.ctx = ctx;
    ctx.writeAndFlush(factory.buildHello().setXid(0).build());
    expiryTask = ctx.executor().scheduleAtFixedRate(
        this::expireOverdue, EXPIRY_PERIOD_MS, EXPIRY_PERIOD_MS, TimeUnit.MILLISECONDS);
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    if (expiryTask != null) {
      expiryTask.cancel(false);
    }
    if (pacer != null) {
      pacer.cancel(false);
    }
    loading = false;
    fail(new BenchException(name() + ": the controller closed the connection"));
    closed.complete(null);
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    // a reset or a broken pipe is the controller going away, as an orderly close is
    String why = cause instanceof DecoderException
        ? "malformed message from the controller: " + cause.getMessage()
        : cause instanceof java.io.IOException
            ? "the controller closed the connection (" + cause.getMessage() + ")"
            : cause.toString();
    fail(new BenchException(name() + ": " + why, cause));
    ctx.close();
  }

  private void fail(BenchException e) {
    if (!closing) {
      closing = true;
      ready.completeExceptionally(e);
      closed.completeExceptionally(e);
    }
  }

  @Override
  protected void channelRead0(ChannelHandlerContext ctx, Object msg) {
    if (msg instanceof HotMessageReader.FlowModSeen fm) {
      onFlowMod(fm);
    } else if (msg instanceof HotMessageReader.PacketOutSeen po) {
      onPacketOut(po);
    } else if (msg instanceof OFMessage m) {
      onMessage(m);
    }
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
        if (featuresSent && (tableMissSeen || factory.getVersion() == OFVersion.OF_10)) {
          ready.complete(null);
        }
      }
      case FLOW_MOD -> onFlowMod(HotMessageReader.of((OFFlowMod) m));
      case PACKET_OUT -> onPacketOut(HotMessageReader.of((OFPacketOut) m));
      default -> {
        // echo, configuration, statistics and role requests get their replies; group, meter, port
        // and table mods, errors, experimenters: a switch takes them silently
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
    while (loading && pacer == null && outstanding < window && System.nanoTime() < loadDeadlineNanos) {
      sendConnection(false);
    }
  }

  private void sendConnection(boolean probe) {
    long k = nextConnection++;
    int hosts = network.hostsPerSwitch();
    int srcHost = 1 + (int) (k % hosts);
    int dstHost = 1 + (int) ((k / hosts) % hosts);
    // distinct 5-tuples for hosts^2 * 64512 connections per switch before any repeats
    int srcPort = 1024 + (int) ((k / ((long) hosts * hosts)) % SOURCE_PORTS);
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
    if (ctx == null || !negotiated) {
      return;
    }
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

  /** Called by the ledger, from any thread, once a connection of this switch is settled. */
  @Override
  public void settled(PendingSetup p) {
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

  private void write(OFMessage m) {
    ctx.writeAndFlush(m, ctx.voidPromise());
  }

  private void onLoop(Runnable r) {
    ChannelHandlerContext c = ctx;
    if (c == null) {
      return;
    }
    EventExecutor loop = c.executor();
    if (loop.inEventLoop()) {
      r.run();
    } else {
      loop.execute(r);
    }
  }

  private String name() {
    return "switch s" + number;
  }
}
