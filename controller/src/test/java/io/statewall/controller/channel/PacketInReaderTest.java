package io.statewall.controller.channel;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;
import org.projectfloodlight.openflow.protocol.OFFactories;
import org.projectfloodlight.openflow.protocol.OFFactory;
import org.projectfloodlight.openflow.protocol.OFMessage;
import org.projectfloodlight.openflow.protocol.OFPacketIn;
import org.projectfloodlight.openflow.protocol.OFPacketInReason;
import org.projectfloodlight.openflow.protocol.OFVersion;
import org.projectfloodlight.openflow.protocol.match.MatchField;
import org.projectfloodlight.openflow.types.OFBufferId;
import org.projectfloodlight.openflow.types.OFMetadata;
import org.projectfloodlight.openflow.types.OFPort;
import org.projectfloodlight.openflow.types.TableId;
import org.projectfloodlight.openflow.types.U64;

/** The packet-in fast path gives exactly what openflowj's reader gives, or steps aside. */
class PacketInReaderTest {

  static Stream<OFVersion> versions() {
    return Stream.of(OFVersion.OF_13, OFVersion.OF_14, OFVersion.OF_15);
  }

  private static byte[] bytes(OFMessage m) {
    ByteBuf b = Unpooled.buffer();
    m.writeTo(b);
    byte[] out = new byte[b.readableBytes()];
    b.readBytes(out);
    return out;
  }

  private static OFMessage openflowj(byte[] wire) throws Exception {
    return OFFactories.getGenericReader().readFrom(Unpooled.wrappedBuffer(wire));
  }

  private static OFPacketIn.Builder packetIn(OFFactory f, OFPort port) {
    return f.buildPacketIn().setXid(77).setBufferId(OFBufferId.NO_BUFFER).setTotalLen(60)
        .setReason(OFPacketInReason.NO_MATCH).setTableId(TableId.ZERO).setCookie(U64.ZERO)
        .setMatch(f.buildMatch().setExact(MatchField.IN_PORT, port).build()).setData(new byte[60]);
  }

  @ParameterizedTest
  @MethodSource("versions")
  void equalsOpenflowjForEveryFieldCombination(OFVersion version) throws Exception {
    OFFactory f = OFFactories.getFactory(version);
    Random r = new Random(version.ordinal());
    List<OFPort> ports = List.of(OFPort.of(1), OFPort.of(2), OFPort.of(65_534), OFPort.LOCAL,
        OFPort.CONTROLLER, OFPort.of(0x7FFF_FFFF), OFPort.of(1));
    List<OFPacketInReason> reasons = new ArrayList<>(List.of(OFPacketInReason.NO_MATCH,
        OFPacketInReason.ACTION, OFPacketInReason.INVALID_TTL));
    if (version != OFVersion.OF_13) {
      reasons.addAll(List.of(OFPacketInReason.ACTION_SET, OFPacketInReason.GROUP, OFPacketInReason.PACKET_OUT));
    }
    PacketInReader reader = new PacketInReader();
    int checked = 0;
    for (OFPort port : ports) {
      for (OFPacketInReason reason : reasons) {
        for (int len : new int[] {0, 1, 60, 1514}) {
          byte[] data = new byte[len];
          r.nextBytes(data);
          OFPacketIn sent = packetIn(f, port).setXid(r.nextInt() & 0xFFFF_FFFFL).setReason(reason)
              .setTableId(TableId.of(r.nextInt(255))).setCookie(U64.of(r.nextLong()))
              .setBufferId(r.nextBoolean() ? OFBufferId.NO_BUFFER : OFBufferId.of(r.nextInt(1000)))
              .setTotalLen(len).setData(data).build();
          byte[] wire = bytes(sent);
          OFPacketIn fast = reader.read(Unpooled.wrappedBuffer(wire), version.wireVersion);
          assertThat(fast).as("%s %s %s len %d", version, port, reason, len).isNotNull();
          assertThat(fast).isEqualTo(openflowj(wire)).isEqualTo(sent);
          checked++;
        }
      }
    }
    assertThat(checked).isGreaterThan(80);
  }

  @Test
  void readsAFrameThatIsASliceOfALargerBuffer() throws Exception {
    OFFactory f = OFFactories.getFactory(OFVersion.OF_13);
    byte[] wire = bytes(packetIn(f, OFPort.of(3)).build());
    ByteBuf stream = Unpooled.buffer();
    stream.writeBytes(new byte[] {9, 9, 9});
    stream.writeBytes(wire);
    stream.skipBytes(3);
    assertThat(new PacketInReader().read(stream.readSlice(wire.length), 4)).isEqualTo(openflowj(wire));
  }

  @Test
  void stepsAsideForAMatchOfMoreThanTheInPort() {
    OFFactory f = OFFactories.getFactory(OFVersion.OF_13);
    OFPacketIn withMetadata = packetIn(f, OFPort.of(1)).setMatch(f.buildMatch()
        .setExact(MatchField.IN_PORT, OFPort.of(1))
        .setExact(MatchField.METADATA, OFMetadata.ofRaw(5)).build()).build();
    assertThat(new PacketInReader().read(Unpooled.wrappedBuffer(bytes(withMetadata)), 4)).isNull();
  }

  @Test
  void stepsAsideForOpenFlow10AndTruncatedOrUnknownFrames() {
    OFFactory f13 = OFFactories.getFactory(OFVersion.OF_13);
    byte[] wire = bytes(packetIn(f13, OFPort.of(1)).setData(new byte[0]).setTotalLen(0).build());
    PacketInReader reader = new PacketInReader();
    assertThat(reader.read(Unpooled.wrappedBuffer(wire, 0, wire.length - 1), 4)).as("cut short").isNull();
    byte[] badReason = wire.clone();
    badReason[14] = 0x70;
    assertThat(reader.read(Unpooled.wrappedBuffer(badReason), 4)).as("no such reason").isNull();
    OFFactory f10 = OFFactories.getFactory(OFVersion.OF_10);
    byte[] v10 = bytes(f10.buildPacketIn().setBufferId(OFBufferId.NO_BUFFER).setInPort(OFPort.of(1))
        .setReason(OFPacketInReason.NO_MATCH).setTotalLen(0).setData(new byte[0]).build());
    assertThat(reader.read(Unpooled.wrappedBuffer(v10), 1)).isNull();
  }

  @Test
  void theMatchCacheFollowsTheVersionOfTheFrame() throws Exception {
    PacketInReader reader = new PacketInReader();
    for (OFVersion v : List.of(OFVersion.OF_13, OFVersion.OF_15, OFVersion.OF_13)) {
      byte[] wire = bytes(packetIn(OFFactories.getFactory(v), OFPort.of(7)).build());
      OFPacketIn read = reader.read(Unpooled.wrappedBuffer(wire), v.wireVersion);
      assertThat(read.getVersion()).isEqualTo(v);
      assertThat(read.getMatch().getVersion()).isEqualTo(v);
      assertThat(read).isEqualTo(openflowj(wire));
    }
  }
}
