package io.statewall.netfilter.packet;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * What the parser says about a frame's encapsulation, one row per behaviour: every TPID of
 * {@link VlanTags} is a tag and the verdict is on the packet inside; PPPoE is named, never parsed
 * as IP. (Not in KernelDifferentialTest: its namespaces route, they do not bridge, and a Linux
 * bridge with vlan_filtering knows only 0x8100 and 0x88A8.)
 */
class EncapsulationTest {

  private static final PacketParser PARSER = new PacketParser();

  static Stream<Arguments> rows() {
    FrameBuilder udp = FrameBuilder.ip("10.0.0.1", "10.0.0.2").udp(5, 161).payload("x");
    return Stream.of(
        row("untagged IPv4 is IPv4", FrameBuilder.ip("10.0.0.1", "10.0.0.2").udp(5, 161).build(), 0x0800, 0, -1, 4, 161),
        row("802.1Q 0x8100 is judged inside", FrameBuilder.ip("10.0.0.1", "10.0.0.2").vlan(7).udp(5, 161).build(), 0x0800, 1, 7, 4, 161),
        row("802.1ad 0x88A8 is judged inside", FrameBuilder.ip("10.0.0.1", "10.0.0.2").tag(0x88A8, 8).udp(5, 161).build(), 0x0800, 1, 8, 4, 161),
        row("QinQ 0x88A8 then 0x8100 is judged inside, outer id kept", FrameBuilder.ip("10.0.0.1", "10.0.0.2").tag(0x88A8, 9).vlan(10).udp(5, 161).build(), 0x0800, 2, 9, 4, 161),
        row("old QinQ 0x9100 is judged inside", FrameBuilder.ip("10.0.0.1", "10.0.0.2").tag(0x9100, 11).udp(5, 161).build(), 0x0800, 1, 11, 4, 161),
        row("old QinQ 0x9200 is judged inside", FrameBuilder.ip("10.0.0.1", "10.0.0.2").tag(0x9200, 12).udp(5, 161).build(), 0x0800, 1, 12, 4, 161),
        row("old QinQ 0x9300 is judged inside", FrameBuilder.ip("10.0.0.1", "10.0.0.2").tag(0x9300, 13).udp(5, 161).build(), 0x0800, 1, 13, 4, 161),
        row("IPv6 inside 0x9200 is judged inside", FrameBuilder.ip("2001:db8::1", "2001:db8::2").tag(0x9200, 14).udp(5, 161).build(), 0x86DD, 1, 14, 6, 161),
        row("PPPoE session carrying IPv4 is PPPoE, not IP", pppoe(0x8864, udp.build()), 0x8864, 0, -1, 0, -1),
        row("PPPoE discovery is PPPoE, not IP", pppoe(0x8863, new byte[20]), 0x8863, 0, -1, 0, -1),
        row("PPPoE session inside a tag is PPPoE", tagged(pppoe(0x8864, udp.build()), 0x8100, 3), 0x8864, 1, 3, 0, -1));
  }

  private static Arguments row(String name, byte[] frame, int etherType, int tags, int vlan, int ipVersion, int dstPort) {
    return Arguments.of(name, frame, etherType, tags, vlan, ipVersion, dstPort);
  }

  /** A PPPoE frame (header 6 bytes, PPP protocol 0x0021 = IPv4) around the IP packet of {@code inner}. */
  private static byte[] pppoe(int etherType, byte[] inner) {
    byte[] ip = java.util.Arrays.copyOfRange(inner, 14, inner.length);
    byte[] f = new byte[14 + 8 + ip.length];
    System.arraycopy(inner, 0, f, 0, 12);
    f[12] = (byte) (etherType >> 8);
    f[13] = (byte) etherType;
    f[14] = 0x11;
    f[16] = 0x12; // session id
    f[18] = (byte) ((ip.length + 2) >> 8);
    f[19] = (byte) (ip.length + 2);
    f[20] = 0x00;
    f[21] = 0x21;
    System.arraycopy(ip, 0, f, 22, ip.length);
    return f;
  }

  private static byte[] tagged(byte[] f, int tpid, int id) {
    byte[] t = new byte[f.length + 4];
    System.arraycopy(f, 0, t, 0, 12);
    t[12] = (byte) (tpid >> 8);
    t[13] = (byte) tpid;
    t[15] = (byte) id;
    System.arraycopy(f, 12, t, 16, f.length - 12);
    return t;
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("rows")
  void parses(String name, byte[] frame, int etherType, int tags, int vlan, int ipVersion, int dstPort) {
    Packet p = PARSER.parse(frame);
    assertThat(p.malformed()).isNull();
    assertThat(p.etherType()).isEqualTo(etherType);
    assertThat(p.vlanTags()).isEqualTo(tags);
    assertThat(p.vlan()).isEqualTo(vlan);
    assertThat(p.ipVersion()).isEqualTo(ipVersion);
    assertThat(p.dstPort()).isEqualTo(dstPort);
    assertThat(p.l3Offset()).isEqualTo(14 + 4 * tags);
    assertThat(p.isPppoe()).isEqualTo(etherType == 0x8863 || etherType == 0x8864);
    assertThat(VlanTags.etherTypeOffset(frame)).isEqualTo(12 + 4 * tags);
    if (ipVersion != 0) {
      assertThat(Checksums.verify(p)).as("checksum of the packet inside the tags").isNull();
    }
  }

  @ParameterizedTest(name = "three tags are malformed")
  @MethodSource("threeTags")
  void threeTagsAreMalformed(byte[] frame) {
    assertThat(PARSER.parse(frame).malformed()).contains("VLAN tags");
    assertThat(VlanTags.etherTypeOffset(frame)).isEqualTo(-1);
  }

  static Stream<byte[]> threeTags() {
    return Stream.of(FrameBuilder.ip("10.0.0.1", "10.0.0.2").tag(0x88A8, 1).tag(0x9100, 2).vlan(3).udp(5, 161).build());
  }
}
