package io.statewall.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.projectfloodlight.openflow.protocol.OFFactories;
import org.projectfloodlight.openflow.protocol.OFFactory;
import org.projectfloodlight.openflow.protocol.OFFlowMod;
import org.projectfloodlight.openflow.protocol.OFMessage;
import org.projectfloodlight.openflow.protocol.OFPacketOut;
import org.projectfloodlight.openflow.protocol.OFVersion;
import org.projectfloodlight.openflow.protocol.action.OFAction;
import org.projectfloodlight.openflow.protocol.match.Match;
import org.projectfloodlight.openflow.protocol.match.MatchField;
import org.projectfloodlight.openflow.types.EthType;
import org.projectfloodlight.openflow.types.IPv4Address;
import org.projectfloodlight.openflow.types.IPv4AddressWithMask;
import org.projectfloodlight.openflow.types.IpProtocol;
import org.projectfloodlight.openflow.types.OFBufferId;
import org.projectfloodlight.openflow.types.OFPort;
import org.projectfloodlight.openflow.types.TableId;
import org.projectfloodlight.openflow.types.TransportPort;

/** The byte-level reader against openflowj, the oracle, one row per kind of message. */
class HotMessageReaderTest {
  private static final OFFactory V13 = OFFactories.getFactory(OFVersion.OF_13);
  private static final OFFactory V10 = OFFactories.getFactory(OFVersion.OF_10);
  private static final byte[] SYN = FrameWriter.tcpSyn(0x020000000101L, 0x020000000201L,
      0x0A000101, 0x0A000201, 1024, 80, 7);
  private static final byte[] LLDP = lldp();

  private static Match.Builder tcp(OFFactory f) {
    return f.buildMatch()
        .setExact(MatchField.IN_PORT, OFPort.of(1))
        .setExact(MatchField.ETH_TYPE, EthType.IPv4)
        .setExact(MatchField.IP_PROTO, IpProtocol.TCP)
        .setExact(MatchField.IPV4_SRC, IPv4Address.of("10.0.1.1"))
        .setExact(MatchField.IPV4_DST, IPv4Address.of("10.0.2.1"))
        .setExact(MatchField.TCP_SRC, TransportPort.of(1024))
        .setExact(MatchField.TCP_DST, TransportPort.of(80));
  }

  private static List<OFAction> out(OFFactory f, OFPort p) {
    return List.of(f.actions().output(p, 0xFFFF));
  }

  private static OFFlowMod add13(Match m, boolean output) {
    var b = V13.buildFlowAdd().setXid(1).setMatch(m).setPriority(100).setIdleTimeout(60);
    return (output ? b.setInstructions(List.of(V13.instructions().applyActions(out(V13, OFPort.of(5)))))
        : b.setInstructions(List.of())).build();
  }

  private static OFFlowMod add10(Match m, boolean output) {
    return V10.buildFlowAdd().setXid(1).setMatch(m).setPriority(100)
        .setActions(output ? out(V10, OFPort.of(5)) : List.of()).build();
  }

  static Stream<Arguments> flowMods() {
    return Stream.of(
        Arguments.of("1.3 exact tcp entry that outputs", add13(tcp(V13).build(), true)),
        Arguments.of("1.3 exact tcp entry that drops", add13(tcp(V13).build(), false)),
        Arguments.of("1.3 masked source is not one connection", add13(tcp(V13)
            .setMasked(MatchField.IPV4_SRC, IPv4AddressWithMask.of("10.0.1.0/24")).build(), true)),
        Arguments.of("1.3 udp is not a tcp connection", add13(V13.buildMatch()
            .setExact(MatchField.ETH_TYPE, EthType.IPv4)
            .setExact(MatchField.IP_PROTO, IpProtocol.UDP)
            .setExact(MatchField.IPV4_SRC, IPv4Address.of("10.0.1.1"))
            .setExact(MatchField.IPV4_DST, IPv4Address.of("10.0.2.1"))
            .setExact(MatchField.UDP_SRC, TransportPort.of(1024))
            .setExact(MatchField.UDP_DST, TransportPort.of(53)).build(), true)),
        Arguments.of("1.3 table-miss entry", V13.buildFlowAdd().setXid(1).setPriority(0)
            .setMatch(V13.buildMatch().build())
            .setInstructions(List.of(V13.instructions().applyActions(out(V13, OFPort.CONTROLLER))))
            .build()),
        Arguments.of("1.3 delete", V13.buildFlowDelete().setXid(1).setMatch(tcp(V13).build())
            .setTableId(TableId.ALL).build()),
        Arguments.of("1.3 goto table forwards", V13.buildFlowAdd().setXid(1).setPriority(9)
            .setMatch(tcp(V13).build())
            .setInstructions(List.of(V13.instructions().gotoTable(TableId.of(1)))).build()),
        Arguments.of("1.3 write-actions output forwards", V13.buildFlowModify().setXid(1)
            .setPriority(9).setMatch(tcp(V13).build())
            .setInstructions(List.of(V13.instructions().writeActions(out(V13, OFPort.of(2)))))
            .build()),
        Arguments.of("1.3 clear-actions only drops", V13.buildFlowAdd().setXid(1).setPriority(9)
            .setMatch(tcp(V13).build())
            .setInstructions(List.of(V13.instructions().clearActions())).build()),
        Arguments.of("1.0 exact tcp entry that outputs", add10(tcp(V10).build(), true)),
        Arguments.of("1.0 exact tcp entry that drops", add10(tcp(V10).build(), false)),
        Arguments.of("1.0 wildcarded source is not one connection", add10(tcp(V10)
            .setMasked(MatchField.IPV4_SRC, IPv4AddressWithMask.of("10.0.1.0/24")).build(), true)),
        Arguments.of("1.0 all wildcards", add10(V10.buildMatch().build(), true)),
        Arguments.of("1.0 delete", V10.buildFlowDelete().setXid(1).setMatch(tcp(V10).build())
            .build()));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("flowMods")
  void readsFlowModsAsOpenflowjDoes(String name, OFFlowMod fm) {
    Object hot = HotMessageReader.read(bytes(fm));
    assertThat(hot).isEqualTo(HotMessageReader.of(fm));
  }

  static Stream<Arguments> packetOuts() {
    return Stream.of(
        Arguments.of("1.3 lldp flooded from the controller", V13.buildPacketOut().setXid(1)
            .setBufferId(OFBufferId.NO_BUFFER).setInPort(OFPort.CONTROLLER)
            .setActions(out(V13, OFPort.FLOOD)).setData(LLDP).build()),
        Arguments.of("1.3 syn out of one port", V13.buildPacketOut().setXid(1)
            .setBufferId(OFBufferId.NO_BUFFER).setInPort(OFPort.of(1))
            .setActions(out(V13, OFPort.of(5))).setData(SYN).build()),
        Arguments.of("1.3 two outputs", V13.buildPacketOut().setXid(1)
            .setBufferId(OFBufferId.NO_BUFFER).setInPort(OFPort.of(1))
            .setActions(List.of(V13.actions().output(OFPort.of(5), 0),
                V13.actions().popVlan(),
                V13.actions().output(OFPort.of(6), 0))).setData(SYN).build()),
        Arguments.of("1.0 lldp flooded, in port 3", V10.buildPacketOut().setXid(1)
            .setBufferId(OFBufferId.NO_BUFFER).setInPort(OFPort.of(3))
            .setActions(out(V10, OFPort.FLOOD)).setData(LLDP).build()),
        Arguments.of("1.0 syn with no actions", V10.buildPacketOut().setXid(1)
            .setBufferId(OFBufferId.NO_BUFFER).setInPort(OFPort.ANY)
            .setActions(List.of()).setData(SYN).build()));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("packetOuts")
  void readsPacketOutsAsOpenflowjDoes(String name, OFPacketOut po) {
    Object hot = HotMessageReader.read(bytes(po));
    HotMessageReader.PacketOutSeen expected = HotMessageReader.of(po);
    assertThat(hot).isInstanceOf(HotMessageReader.PacketOutSeen.class);
    HotMessageReader.PacketOutSeen seen = (HotMessageReader.PacketOutSeen) hot;
    assertThat(seen.data()).isEqualTo(expected.data());
    assertThat(seen.outputPorts()).isEqualTo(expected.outputPorts());
    assertThat(seen.inPort()).isEqualTo(expected.inPort());
  }

  static Stream<Arguments> everything() {
    return Stream.concat(flowMods(), packetOuts());
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("everything")
  void truncatedMessagesNeverThrow(String name, OFMessage m) {
    byte[] whole = bytesArray(m);
    for (int len = 8; len < whole.length; len++) {
      ByteBuf cut = Unpooled.wrappedBuffer(whole, 0, len).copy();
      cut.setShort(2, len); // the header agrees with the cut, the insides do not
      assertThatCode(() -> HotMessageReader.read(cut)).doesNotThrowAnyException();
    }
  }

  private static ByteBuf bytes(OFMessage m) {
    ByteBuf b = Unpooled.buffer();
    m.writeTo(b);
    return b;
  }

  private static byte[] bytesArray(OFMessage m) {
    ByteBuf b = bytes(m);
    byte[] a = new byte[b.readableBytes()];
    b.readBytes(a);
    return a;
  }

  private static byte[] lldp() {
    byte[] f = new byte[60];
    f[0] = 0x01;
    f[1] = (byte) 0x80;
    f[2] = (byte) 0xC2;
    f[5] = 0x0E;
    f[12] = (byte) 0x88;
    f[13] = (byte) 0xCC;
    return f;
  }
}
