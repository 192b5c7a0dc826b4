package io.statewall.bench;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.flush.FlushConsolidationHandler;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.projectfloodlight.openflow.protocol.OFConfigFlags;
import org.projectfloodlight.openflow.protocol.OFEchoRequest;
import org.projectfloodlight.openflow.protocol.OFFactories;
import org.projectfloodlight.openflow.protocol.OFFactory;
import org.projectfloodlight.openflow.protocol.OFFeaturesReply;
import org.projectfloodlight.openflow.protocol.OFMessage;
import org.projectfloodlight.openflow.protocol.OFOxmList;
import org.projectfloodlight.openflow.protocol.OFPacketIn;
import org.projectfloodlight.openflow.protocol.OFVersion;
import org.projectfloodlight.openflow.protocol.action.OFAction;
import org.projectfloodlight.openflow.protocol.match.Match;
import org.projectfloodlight.openflow.protocol.match.MatchField;
import org.projectfloodlight.openflow.protocol.oxm.OFOxms;
import org.projectfloodlight.openflow.types.EthType;
import org.projectfloodlight.openflow.types.IPv4Address;
import org.projectfloodlight.openflow.types.IpProtocol;
import org.projectfloodlight.openflow.types.OFBufferId;
import org.projectfloodlight.openflow.types.OFPort;
import org.projectfloodlight.openflow.types.TransportPort;

/**
 * The ceiling: a controller with no logic that completes the handshake and answers every TCP
 * packet-in with one exact-match flow-mod and one packet-out to a fixed port. What the load
 * generator measures against it is what the machine, netty and openflowj allow, with nothing
 * decided. Made to {@linkplain #answeringEverything answer everything}, it also sends a flooding
 * packet-out for every other packet-in (the ceiling for {@link CbenchRun}'s switches). Made to
 * {@linkplain #answeringHandshakes answer handshakes}, it sends what statewall sends for a whole TCP
 * connection, without the traps: the SYN and the SYN-ACK each one packet-out at the switch of the
 * host they go to, and the ACK the four entries (both directions at both ends) and its packet-out;
 * where to is read off the bench's addressing plan ({@link EmulatedNetwork#hostIp}), not decided.
 */
public final class StubController implements AutoCloseable {
  /** The port every stub flow-mod and packet-out sends to: fixed, because the stub knows nothing. */
  static final OFPort OUT_PORT = OFPort.of(1);

  private final int threads;
  private final boolean answerEverything;
  private final boolean answerHandshakes;
  /** The switches by datapath id (the bench's switch number), for entries at the far end of a path. */
  private final Map<Long, ChannelHandlerContext> switches = new ConcurrentHashMap<>();
  private EventLoopGroup group;
  private Channel server;

  /** A stub on {@code threads} event-loop threads (1 keeps the ceiling comparable to one core). */
  public StubController(int threads) {
    this(threads, false, false);
  }

  private StubController(int threads, boolean answerEverything, boolean answerHandshakes) {
    this.threads = threads;
    this.answerEverything = answerEverything;
    this.answerHandshakes = answerHandshakes;
  }

  /**
   * A stub that answers the messages of a whole TCP connection as statewall does (the ceiling for
   * {@code --expect-flows handshake}): three packet-ins, three packet-outs and four flow-mods.
   */
  public static StubController answeringHandshakes(int threads) {
    return new StubController(threads, false, true);
  }

  /** A stub that answers every packet-in: TCP as above, anything else with one flooding packet-out. */
  public static StubController answeringEverything(int threads) {
    return new StubController(threads, true, false);
  }

  /** Listens on a free loopback port and returns it. */
  public InetSocketAddress start() throws InterruptedException {
    group = new NioEventLoopGroup(threads);
    server = new ServerBootstrap()
        .group(group)
        .channel(NioServerSocketChannel.class)
        .childOption(ChannelOption.TCP_NODELAY, true)
        .childHandler(new ChannelInitializer<SocketChannel>() {
          @Override
          protected void initChannel(SocketChannel ch) {
            ch.pipeline()
                .addLast("flush", new FlushConsolidationHandler(256, true))
                .addLast("decoder", new OfMessageDecoder(false))
                .addLast("encoder", new OfMessageEncoder())
                .addLast("stub", new StubHandler());
          }
        })
        .bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
        .sync()
        .channel();
    return (InetSocketAddress) server.localAddress();
  }

  @Override
  public void close() {
    if (server != null) {
      server.close().awaitUninterruptibly(2, TimeUnit.SECONDS);
    }
    if (group != null) {
      group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
    }
  }

  /** One switch connection: handshake, then a flow-mod and packet-out per TCP packet-in. */
  private final class StubHandler extends SimpleChannelInboundHandler<OFMessage> {
    private OFFactory factory = OFFactories.getFactory(OFVersion.OF_13);
    private List<OFAction> toOutPort = List.of(factory.actions().output(OUT_PORT, 0xFFFF));

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
      ctx.writeAndFlush(factory.buildHello().setXid(1).build());
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, OFMessage m) {
      switch (m.getType()) {
        case HELLO -> {
          if (m.getVersion() == OFVersion.OF_10) {
            factory = OFFactories.getFactory(OFVersion.OF_10);
            toOutPort = List.of(factory.actions().output(OUT_PORT, 0xFFFF));
          } else if (m.getVersion() != OFVersion.OF_13) {
            ctx.close(); // the stub speaks only what the emulated switches speak
            return;
          }
          ctx.writeAndFlush(factory.buildFeaturesRequest().setXid(2).build());
        }
        case FEATURES_REPLY -> {
          switches.put(((OFFeaturesReply) m).getDatapathId().getLong(), ctx);
          ctx.write(factory.buildSetConfig().setXid(3)
              .setFlags(EnumSet.noneOf(OFConfigFlags.class)).setMissSendLen(0xFFFF).build());
          if (factory.getVersion() != OFVersion.OF_10) {
            ctx.write(factory.buildFlowAdd().setXid(4).setPriority(0)
                .setMatch(factory.buildMatch().build())
                .setInstructions(List.of(factory.instructions().applyActions(
                    List.of(factory.actions().output(OFPort.CONTROLLER, 0xFFFF)))))
                .build());
          }
          ctx.writeAndFlush(factory.buildBarrierRequest().setXid(5).build());
        }
        case ECHO_REQUEST -> ctx.writeAndFlush(factory.buildEchoReply().setXid(m.getXid())
            .setData(((OFEchoRequest) m).getData()).build());
        case PACKET_IN -> answer(ctx, (OFPacketIn) m);
        default -> {
          // barrier replies, errors, port status: nothing to decide
        }
      }
    }

    private void answer(ChannelHandlerContext ctx, OFPacketIn pi) {
      byte[] data = pi.getData();
      FiveTuple t = FiveTuple.fromFrame(data);
      OFPort inPort = factory.getVersion() == OFVersion.OF_10
          ? pi.getInPort() : pi.getMatch().get(MatchField.IN_PORT);
      if (t == null) {
        if (answerEverything) {
          ctx.writeAndFlush(factory.buildPacketOut().setXid(0).setBufferId(OFBufferId.NO_BUFFER)
              .setInPort(inPort).setActions(List.of(factory.actions().output(OFPort.FLOOD, 0xFFFF)))
              .setData(data).build());
        }
        return; // ARP and the like: a stub learns nothing
      }
      if (answerHandshakes) {
        answerHandshake(ctx, inPort, t, data);
        return;
      }
      ctx.write(entry(inPort, t, toOutPort));
      ctx.writeAndFlush(factory.buildPacketOut().setXid(0).setBufferId(OFBufferId.NO_BUFFER)
          .setInPort(inPort).setActions(toOutPort).setData(data).build());
    }

    /**
     * A handshake's segment: the SYN and the SYN-ACK go out to the host they are for at its switch;
     * the ACK installs both directions at both ends of the path and goes out too.
     */
    private void answerHandshake(ChannelHandlerContext ctx, OFPort inPort, FiveTuple t, byte[] data) {
      int flags = FrameWriter.tcpFlags(data);
      ChannelHandlerContext dstSwitch = switches.get((long) EmulatedNetwork.switchOfHostIp(t.dstIp()));
      if (dstSwitch == null) {
        return;
      }
      OFPort toHost = OFPort.of(EmulatedNetwork.hostOfHostIp(t.dstIp()));
      if (flags == 0x10) {
        ChannelHandlerContext srcSwitch = switches.get((long) EmulatedNetwork.switchOfHostIp(t.srcIp()));
        if (srcSwitch == null) {
          return;
        }
        OFPort linkOut = OUT_PORT; // the stub knows no links: any port but a host's does
        FiveTuple r = t.reversed();
        srcSwitch.write(entry(inPort, t, linkOut));
        srcSwitch.write(entry(linkOut, r, inPort));
        srcSwitch.flush();
        dstSwitch.write(entry(linkOut, t, toHost));
        dstSwitch.write(entry(toHost, r, linkOut));
      }
      dstSwitch.writeAndFlush(factory.buildPacketOut().setXid(0).setBufferId(OFBufferId.NO_BUFFER)
          .setInPort(OFPort.CONTROLLER)
          .setActions(List.of(factory.actions().output(toHost, 0xFFFF)))
          .setData(data).build());
    }

    private OFMessage entry(OFPort in, FiveTuple t, OFPort out) {
      return entry(in, t, List.of(factory.actions().output(out, 0xFFFF)));
    }

    /** The stub's one kind of entry: {@code t} entering at {@code in}, priority 100, 60 s idle. */
    private OFMessage entry(OFPort in, FiveTuple t, List<OFAction> actions) {
      var flow = factory.buildFlowAdd().setXid(0).setMatch(factory.getVersion() == OFVersion.OF_10
              ? matchV10(in, t) : matchV13(in, t))
          .setPriority(100).setIdleTimeout(60).setBufferId(OFBufferId.NO_BUFFER);
      return factory.getVersion() == OFVersion.OF_10 ? flow.setActions(actions).build()
          : flow.setInstructions(List.of(factory.instructions().applyActions(actions))).build();
    }

    /** OF 1.3: the OXM list built in one go; the match builder re-sorts it on every field. */
    private Match matchV13(OFPort inPort, FiveTuple t) {
      OFOxms oxms = factory.oxms();
      return factory.buildMatchV3().setOxmList(OFOxmList.of(
          oxms.inPort(inPort),
          oxms.ethType(EthType.IPv4),
          oxms.ipProto(IpProtocol.TCP),
          oxms.ipv4Src(IPv4Address.of(t.srcIp())),
          oxms.ipv4Dst(IPv4Address.of(t.dstIp())),
          oxms.tcpSrc(TransportPort.of(t.srcPort())),
          oxms.tcpDst(TransportPort.of(t.dstPort())))).build();
    }

    private Match matchV10(OFPort inPort, FiveTuple t) {
      return factory.buildMatch()
          .setExact(MatchField.IN_PORT, inPort)
          .setExact(MatchField.ETH_TYPE, EthType.IPv4)
          .setExact(MatchField.IP_PROTO, IpProtocol.TCP)
          .setExact(MatchField.IPV4_SRC, IPv4Address.of(t.srcIp()))
          .setExact(MatchField.IPV4_DST, IPv4Address.of(t.dstIp()))
          .setExact(MatchField.TCP_SRC, TransportPort.of(t.srcPort()))
          .setExact(MatchField.TCP_DST, TransportPort.of(t.dstPort()))
          .build();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      ctx.close(); // a stub does not argue with a broken switch
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
      switches.values().remove(ctx);
    }
  }
}
