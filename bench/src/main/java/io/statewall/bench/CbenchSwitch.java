package io.statewall.bench;

import static io.statewall.netfilter.packet.Bytes.u16;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import org.projectfloodlight.openflow.protocol.OFFactories;
import org.projectfloodlight.openflow.protocol.OFFactory;
import org.projectfloodlight.openflow.protocol.OFMessage;
import org.projectfloodlight.openflow.protocol.OFPacketIn;
import org.projectfloodlight.openflow.protocol.OFPacketInReason;
import org.projectfloodlight.openflow.protocol.OFSetConfig;
import org.projectfloodlight.openflow.protocol.OFVersion;
import org.projectfloodlight.openflow.protocol.match.MatchField;
import org.projectfloodlight.openflow.types.OFBufferId;
import org.projectfloodlight.openflow.types.OFPort;
import org.projectfloodlight.openflow.types.TableId;
import org.projectfloodlight.openflow.types.U64;

/**
 * An emulated switch that drives a controller the way third-party controller benchmarks (cbench and
 * its kind) do: packet-ins straight after its features reply, before the controller's barrier ends
 * the handshake, from many source MACs, of an IP protocol without ports (255), each expecting an
 * answer. It keeps a window of unanswered packet-ins and counts the packet-outs that come back; a
 * packet-in unanswered for {@link CbenchConfig#answerTimeout()} is counted lost and frees its place,
 * so a controller that answers only some packets is measured, not stalled.
 */
final class CbenchSwitch extends SimpleChannelInboundHandler<Object> {
  private static final int ETH_IPV4 = 0x0800;
  static final int PROTOCOL = 255;

  private final int number;
  private final CbenchConfig config;
  private final SwitchReplies replies;
  private final LongAdder sent;
  private final LongAdder answered;
  private final LongAdder lost;
  /** When each unanswered packet-in went out (ns), oldest first: an answer settles the oldest. */
  private final ArrayDeque<Long> outstandingSince = new ArrayDeque<>();
  private ScheduledFuture<?> expiry;
  private ChannelHandlerContext ctx;
  private OFFactory factory;
  private int missSendLen = 0xFFFF;
  private boolean loading;
  private long next;
  private long deadlineNanos;

  CbenchSwitch(int number, CbenchConfig config, LongAdder sent, LongAdder answered, LongAdder lost) {
    this.number = number;
    this.config = config;
    this.replies = new SwitchReplies(number, 0x5357_0000_0000L | number, config.ports());
    this.sent = sent;
    this.answered = answered;
    this.lost = lost;
    this.factory = OFFactories.getFactory(config.version());
  }

  /** Stops sending once {@code deadlineNanos} passes (packet-ins already out may still be answered). */
  void stopAt(long deadlineNanos) {
    this.deadlineNanos = deadlineNanos;
  }

  @Override
  public void channelActive(ChannelHandlerContext ctx) {
    this.ctx = ctx;
    ctx.writeAndFlush(factory.buildHello().setXid(1).build(), ctx.voidPromise());
  }

  @Override
  protected void channelRead0(ChannelHandlerContext ctx, Object msg) {
    if (msg instanceof HotMessageReader.PacketOutSeen po) {
      // an answer: the controller delivered (or flooded) the frame; LLDP probes are not answers
      if (po.data() != null && po.data().length >= 14 && u16(po.data(), 12) == ETH_IPV4) {
        answered.increment();
        outstandingSince.poll();
        refill();
      }
    } else if (msg instanceof OFMessage m) {
      onMessage(m);
    }
  }

  private void onMessage(OFMessage m) {
    switch (m.getType()) {
      case HELLO -> {
        OFVersion agreed = m.getVersion().getWireVersion() < config.version().getWireVersion()
            ? m.getVersion() : config.version();
        factory = OFFactories.getFactory(agreed);
      }
      case FEATURES_REQUEST -> {
        write(replies.featuresReply(factory, m.getXid()));
        // straight away, as such tools do: the controller's handshake is not over yet
        loading = true;
        long period = Math.max(1, config.answerTimeout().toMillis() / 4);
        expiry = ctx.executor().scheduleAtFixedRate(this::expire, period, period, TimeUnit.MILLISECONDS);
        refill();
      }
      case SET_CONFIG -> missSendLen = ((OFSetConfig) m).getMissSendLen();
      case BARRIER_REQUEST -> write(factory.buildBarrierReply().setXid(m.getXid()).build());
      default -> {
        OFMessage reply = replies.reply(factory, m, missSendLen);
        if (reply != null) {
          write(reply);
        }
      }
    }
  }

  /** Packet-ins unanswered for too long are lost; their places go to new ones. */
  private void expire() {
    long now = System.nanoTime();
    long timeout = config.answerTimeout().toNanos();
    Long since;
    while ((since = outstandingSince.peek()) != null && now - since > timeout) {
      outstandingSince.poll();
      lost.increment();
    }
    refill();
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    if (expiry != null) {
      expiry.cancel(false);
    }
  }

  private void refill() {
    while (loading && outstandingSince.size() < config.window()
        && (deadlineNanos == 0 || System.nanoTime() < deadlineNanos)) {
      sendPacketIn();
    }
    ctx.flush();
  }

  private void sendPacketIn() {
    long k = next++;
    int macs = config.macsPerSwitch();
    int src = (int) (k % macs);
    int dst = destination(src, (int) ((k + 1 + k / macs) % macs), macs, config.ports());
    int port = 1 + src % config.ports();
    byte[] frame = FrameWriter.ipv4Datagram(mac(src), mac(dst), ip(src), ip(dst), PROTOCOL, (int) k);
    int len = Math.min(frame.length, missSendLen);
    OFPacketIn.Builder b = factory.buildPacketIn()
        .setXid(0)
        .setBufferId(OFBufferId.NO_BUFFER)
        .setTotalLen(frame.length)
        .setReason(OFPacketInReason.NO_MATCH)
        .setData(len == frame.length ? frame : java.util.Arrays.copyOf(frame, len));
    if (factory.getVersion() == OFVersion.OF_10) {
      b.setInPort(OFPort.of(port));
    } else {
      b.setTableId(TableId.of(0)).setCookie(U64.ZERO)
          .setMatch(factory.buildMatch().setExact(MatchField.IN_PORT, OFPort.of(port)).build());
    }
    ctx.write(b.build(), ctx.voidPromise());
    outstandingSince.add(System.nanoTime());
    sent.increment();
  }

  /**
   * {@code dst}, or the next host after it that is not at {@code src}'s port (hosts k sit at port
   * 1 + k % ports): a frame to a host on its own ingress port is filtered by any learning switch (a Linux
   * bridge, OVS's NORMAL, statewall), which sends nothing back, so one in four rounds of the old choice was
   * counted lost whole, each packet-in holding its place in the window for the answer timeout. With one
   * port there is no other, and every destination is the ingress's.
   */
  static int destination(int src, int dst, int macs, int ports) {
    for (int i = 0; i < ports && ports > 1 && dst % ports == src % ports; i++) {
      dst = (dst + 1) % macs;
    }
    return dst;
  }

  /** Locally administered MACs, distinct per switch: 02:ss:ss:kk:kk:kk. */
  private long mac(int k) {
    return 0x0200_0000_0000L | ((long) (number & 0xFFFF) << 24) | k;
  }

  /** 10.s.k.k: distinct per host of this switch. */
  private int ip(int k) {
    return 0x0A00_0000 | ((number & 0xFF) << 16) | (k & 0xFFFF);
  }

  private void write(OFMessage m) {
    ctx.writeAndFlush(m, ctx.voidPromise());
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    ctx.close();
  }
}
