package io.statewall.bench;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.statewall.firewall.forwarding.ConnectionCookie;
import io.statewall.firewall.forwarding.ExactMatch;
import io.statewall.firewall.forwarding.FlowProgrammer;
import io.statewall.firewall.forwarding.ForwardingSettings;
import io.statewall.netfilter.packet.Packet;
import io.statewall.netfilter.packet.PacketParser;
import io.statewall.topology.Hop;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.projectfloodlight.openflow.exceptions.OFParseError;
import org.projectfloodlight.openflow.protocol.OFFactories;
import org.projectfloodlight.openflow.protocol.OFFactory;
import org.projectfloodlight.openflow.protocol.OFFlowAdd;
import org.projectfloodlight.openflow.protocol.OFMessage;
import org.projectfloodlight.openflow.protocol.OFMessageReader;
import org.projectfloodlight.openflow.protocol.OFPacketIn;
import org.projectfloodlight.openflow.protocol.OFPacketInReason;
import org.projectfloodlight.openflow.protocol.OFVersion;
import org.projectfloodlight.openflow.protocol.match.Match;
import org.projectfloodlight.openflow.protocol.match.MatchField;
import org.projectfloodlight.openflow.types.DatapathId;
import org.projectfloodlight.openflow.types.OFBufferId;
import org.projectfloodlight.openflow.types.OFPort;
import org.projectfloodlight.openflow.types.TableId;
import org.projectfloodlight.openflow.types.U64;

/**
 * The OpenFlow work of one new connection, per message: decoding a packet-in and a flow-mod from
 * bytes and encoding them, with openflowj as the controller uses it, in 1.3 and 1.0; and building
 * the flow-add of one hop (match, cookie, instructions) as the flow programmer does.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class OpenFlowCodecBenchmark {
  @Param({"1.3", "1.0"})
  String version;

  OFFactory factory;
  OFMessageReader<OFMessage> reader;
  OFPacketIn packetIn;
  OFFlowAdd flowAdd;
  byte[] packetInBytes;
  byte[] flowAddBytes;
  ByteBuf in;
  ByteBuf out;
  ExactMatch exact;
  FlowProgrammer programmer;
  Hop hop;

  @Setup(Level.Trial)
  public void setup() {
    factory = OFFactories.getFactory("1.0".equals(version) ? OFVersion.OF_10 : OFVersion.OF_13);
    reader = OFFactories.getGenericReader();
    EmulatedNetwork net = new EmulatedNetwork(16, 4);
    byte[] frame = FrameWriter.tcpSyn(net.hostMac(3, 1), net.hostMac(4, 2), net.hostIp(3, 1),
        net.hostIp(4, 2), 40000, 80, 12345);
    OFPacketIn.Builder b = factory.buildPacketIn().setXid(7).setBufferId(OFBufferId.NO_BUFFER)
        .setTotalLen(frame.length).setReason(OFPacketInReason.NO_MATCH).setData(frame);
    if (factory.getVersion() == OFVersion.OF_10) {
      b.setInPort(OFPort.of(1));
    } else {
      b.setTableId(TableId.ZERO).setCookie(U64.ZERO)
          .setMatch(factory.buildMatch().setExact(MatchField.IN_PORT, OFPort.of(1)).build());
    }
    packetIn = b.build();
    Packet p = new PacketParser().parse(frame);
    exact = ExactMatch.of(p).orElseThrow();
    programmer = new FlowProgrammer(null, new ForwardingSettings(60, 100));
    hop = new Hop(DatapathId.of(3), OFPort.of(1), OFPort.of(5));
    flowAdd = programmer.flowAdd(factory, hop, exact.toMatch(factory, OFPort.of(1)).orElseThrow(),
        ConnectionCookie.of(exact));
    packetInBytes = bytes(packetIn);
    flowAddBytes = bytes(flowAdd);
    in = PooledByteBufAllocator.DEFAULT.directBuffer(1024);
    out = PooledByteBufAllocator.DEFAULT.directBuffer(1024);
  }

  @TearDown(Level.Trial)
  public void release() {
    in.release();
    out.release();
  }

  private static byte[] bytes(OFMessage m) {
    ByteBuf buf = PooledByteBufAllocator.DEFAULT.heapBuffer();
    try {
      m.writeTo(buf);
      byte[] b = new byte[buf.readableBytes()];
      buf.readBytes(b);
      return b;
    } finally {
      buf.release();
    }
  }

  @Benchmark
  public OFMessage decodePacketIn() throws OFParseError {
    in.clear().writeBytes(packetInBytes);
    return reader.readFrom(in);
  }

  @Benchmark
  public int encodePacketIn() {
    out.clear();
    packetIn.writeTo(out);
    return out.writerIndex();
  }

  @Benchmark
  public OFMessage decodeFlowMod() throws OFParseError {
    in.clear().writeBytes(flowAddBytes);
    return reader.readFrom(in);
  }

  @Benchmark
  public int encodeFlowMod() {
    out.clear();
    flowAdd.writeTo(out);
    return out.writerIndex();
  }

  /** What the flow programmer does per hop before encoding: the match, the cookie, the flow-add. */
  @Benchmark
  public OFFlowAdd buildFlowMod() {
    Match m = exact.toMatch(factory, hop.in()).orElseThrow();
    return programmer.flowAdd(factory, hop, m, ConnectionCookie.of(exact));
  }

  @Benchmark
  public Match buildMatch() {
    return exact.toMatch(factory, hop.in()).orElseThrow();
  }

  @Benchmark
  public U64 cookie() {
    return ConnectionCookie.of(exact);
  }
}
