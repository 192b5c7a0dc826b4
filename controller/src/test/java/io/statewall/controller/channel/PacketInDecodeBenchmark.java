package io.statewall.controller.channel;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.projectfloodlight.openflow.exceptions.OFParseError;
import org.projectfloodlight.openflow.protocol.OFFactories;
import org.projectfloodlight.openflow.protocol.OFFactory;
import org.projectfloodlight.openflow.protocol.OFMessage;
import org.projectfloodlight.openflow.protocol.OFMessageReader;
import org.projectfloodlight.openflow.protocol.OFPacketInReason;
import org.projectfloodlight.openflow.protocol.OFVersion;
import org.projectfloodlight.openflow.protocol.match.MatchField;
import org.projectfloodlight.openflow.types.OFBufferId;
import org.projectfloodlight.openflow.types.OFPort;

/**
 * An OpenFlow 1.3 packet-in of a 74-byte SYN frame (in_port match), decoded by openflowj's reader
 * and by {@link PacketInReader}, in the same run. Run with the controller's BenchMain.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class PacketInDecodeBenchmark {
  private final OFMessageReader<OFMessage> openflowj = OFFactories.getGenericReader();
  private final PacketInReader fast = new PacketInReader();
  private ByteBuf wire;

  @Setup
  public void setup() {
    OFFactory f = OFFactories.getFactory(OFVersion.OF_13);
    wire = Unpooled.buffer();
    f.buildPacketIn().setXid(7).setBufferId(OFBufferId.NO_BUFFER).setTotalLen(74)
        .setReason(OFPacketInReason.NO_MATCH)
        .setMatch(f.buildMatch().setExact(MatchField.IN_PORT, OFPort.of(3)).build())
        .setData(new byte[74]).build().writeTo(wire);
  }

  @Benchmark
  public OFMessage openflowjReader() throws OFParseError {
    return openflowj.readFrom(wire.duplicate());
  }

  @Benchmark
  public OFMessage packetInReader() {
    return fast.read(wire.duplicate(), 4);
  }
}
