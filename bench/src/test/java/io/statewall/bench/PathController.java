package io.statewall.bench;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.projectfloodlight.openflow.protocol.OFFactories;
import org.projectfloodlight.openflow.protocol.OFFactory;
import org.projectfloodlight.openflow.protocol.OFFeaturesReply;
import org.projectfloodlight.openflow.protocol.OFFlowAdd;
import org.projectfloodlight.openflow.protocol.OFMessage;
import org.projectfloodlight.openflow.protocol.OFPacketIn;
import org.projectfloodlight.openflow.protocol.OFVersion;
import org.projectfloodlight.openflow.protocol.match.MatchField;
import org.projectfloodlight.openflow.types.EthType;
import org.projectfloodlight.openflow.types.IPv4Address;
import org.projectfloodlight.openflow.types.IpProtocol;
import org.projectfloodlight.openflow.types.OFBufferId;
import org.projectfloodlight.openflow.types.OFPort;
import org.projectfloodlight.openflow.types.TransportPort;

/**
 * A test controller that, unlike the stub, learns the network the way a real one does: links from
 * its own LLDP coming back, hosts from their ARP. It programs each connection on both switches of
 * its path, so the generator's PATH expectation and discovery wait are exercised end to end.
 */
final class PathController implements AutoCloseable {
  private static final OFFactory F = OFFactories.getFactory(OFVersion.OF_13);

  private final Map<Long, Channel> switches = new ConcurrentHashMap<>();
  /** (dpid, port) of a link end, keyed by the dpid it leads to, per switch: dpid -> (peer -> port). */
  private final Map<Long, Map<Long, Integer>> links = new ConcurrentHashMap<>();
  /** host IPv4 -> (dpid, port) */
  private final Map<Integer, long[]> hosts = new ConcurrentHashMap<>();
  private EventLoopGroup group;

  InetSocketAddress start() throws InterruptedException {
    group = new NioEventLoopGroup(1);
    Channel server = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
        .childHandler(new ChannelInitializer<SocketChannel>() {
          @Override
          protected void initChannel(SocketChannel ch) {
            ch.pipeline().addLast(new OfMessageDecoder(false), new OfMessageEncoder(),
                new Handler());
          }
        })
        .bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0)).sync().channel();
    return (InetSocketAddress) server.localAddress();
  }

  @Override
  public void close() {
    group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
  }

  private final class Handler extends SimpleChannelInboundHandler<OFMessage> {
    private long dpid = -1;

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
      ctx.writeAndFlush(F.buildHello().setXid(1).build());
      ctx.writeAndFlush(F.buildFeaturesRequest().setXid(2).build());
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, OFMessage m) {
      if (m instanceof OFFeaturesReply fr) {
        dpid = fr.getDatapathId().getLong();
        switches.put(dpid, ctx.channel());
        ctx.write(F.buildFlowAdd().setXid(3).setPriority(0).setMatch(F.buildMatch().build())
            .setInstructions(List.of(F.instructions().applyActions(
                List.of(F.actions().output(OFPort.CONTROLLER, 0xFFFF))))).build());
        ctx.writeAndFlush(F.buildBarrierRequest().setXid(4).build());
        // real controllers probe links periodically; the peer may not be connected yet
        ctx.executor().scheduleAtFixedRate(() -> sendLldp(ctx), 0, 100, TimeUnit.MILLISECONDS);
      } else if (m instanceof OFPacketIn pi) {
        onPacketIn(ctx, pi);
      }
    }

    private void sendLldp(ChannelHandlerContext ctx) {
      byte[] frame = new byte[60];
      frame[12] = (byte) 0x88;
      frame[13] = (byte) 0xCC;
      ByteBuffer.wrap(frame, 14, 8).putLong(dpid);
      ctx.writeAndFlush(F.buildPacketOut().setXid(5).setBufferId(OFBufferId.NO_BUFFER)
          .setInPort(OFPort.CONTROLLER).setActions(List.of(F.actions().output(OFPort.FLOOD, 0)))
          .setData(frame).build());
    }

    private void onPacketIn(ChannelHandlerContext ctx, OFPacketIn pi) {
      byte[] d = pi.getData();
      int inPort = pi.getMatch().get(MatchField.IN_PORT).getPortNumber();
      int etherType = ((d[12] & 0xFF) << 8) | (d[13] & 0xFF);
      if (etherType == 0x88CC) {
        long from = ByteBuffer.wrap(d, 14, 8).getLong();
        links.computeIfAbsent(dpid, k -> new ConcurrentHashMap<>()).put(from, inPort);
        return;
      }
      if (etherType == 0x0806) {
        hosts.put(ByteBuffer.wrap(d, 28, 4).getInt(), new long[] {dpid, inPort});
        return;
      }
      FiveTuple t = FiveTuple.fromFrame(d);
      long[] dst = t == null ? null : hosts.get(t.dstIp());
      Integer toward = dst == null ? null : links.getOrDefault(dpid, Map.of()).get(dst[0]);
      if (toward == null) {
        return; // not learned yet: the generator's probe will come again
      }
      switches.get(dst[0]).writeAndFlush(flow(t, (int) dst[1]));
      ctx.write(flow(t, toward));
      ctx.writeAndFlush(F.buildPacketOut().setXid(0).setBufferId(OFBufferId.NO_BUFFER)
          .setInPort(OFPort.of(inPort)).setActions(List.of(F.actions().output(OFPort.of(toward), 0)))
          .setData(d).build());
    }

    private OFFlowAdd flow(FiveTuple t, int outPort) {
      return F.buildFlowAdd().setXid(0).setPriority(100)
          .setMatch(F.buildMatch()
              .setExact(MatchField.ETH_TYPE, EthType.IPv4)
              .setExact(MatchField.IP_PROTO, IpProtocol.TCP)
              .setExact(MatchField.IPV4_SRC, IPv4Address.of(t.srcIp()))
              .setExact(MatchField.IPV4_DST, IPv4Address.of(t.dstIp()))
              .setExact(MatchField.TCP_SRC, TransportPort.of(t.srcPort()))
              .setExact(MatchField.TCP_DST, TransportPort.of(t.dstPort())).build())
          .setInstructions(List.of(F.instructions().applyActions(
              List.of(F.actions().output(OFPort.of(outPort), 0))))).build();
    }
  }
}
