package io.statewall.netfilter.packet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import java.util.Arrays;
import java.util.Random;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Frames built by FrameBuilder parse back; every kind of mangling gives {@code malformed}, never an exception. */
class PacketParserTest {

  private final PacketParser parser = new PacketParser();

  @Test
  void tcpOverIpv4RoundTrips() {
    byte[] f = FrameBuilder.ip("10.0.0.1", "10.0.0.2").macs(0x0A0B0C0D0E0FL, 0x010203040506L)
        .tcp(40000, 80, Packet.TCP_SYN | Packet.TCP_ACK).seq(0xFFFF_FFF0L).ack(7).window(1234)
        .payload("hello").ttl(9).build();
    Packet p = parser.parse(f);
    assertThat(p.malformed()).isNull();
    assertThat(p.srcMac()).isEqualTo(0x0A0B0C0D0E0FL);
    assertThat(p.dstMac()).isEqualTo(0x010203040506L);
    assertThat(p.vlan()).isEqualTo(-1);
    assertThat(p.src()).isEqualTo(IpAddress.parse("10.0.0.1"));
    assertThat(p.dst()).isEqualTo(IpAddress.parse("10.0.0.2"));
    assertThat(p.protocol()).isEqualTo(Packet.PROTO_TCP);
    assertThat(p.ipLength()).isEqualTo(20 + 20 + 5);
    assertThat(p.ttl()).isEqualTo(9);
    assertThat(p.srcPort()).isEqualTo(40000);
    assertThat(p.dstPort()).isEqualTo(80);
    assertThat(p.tcpFlags()).isEqualTo(Packet.TCP_SYN | Packet.TCP_ACK);
    assertThat(p.seq()).isEqualTo(0xFFFF_FFF0L);
    assertThat(p.ack()).isEqualTo(7);
    assertThat(p.window()).isEqualTo(1234);
    assertThat(p.payloadLength()).isEqualTo(5);
    assertThat(new String(f, p.payloadOffset(), 5)).isEqualTo("hello");
    // The IPv4 header checksum verifies to zero, as a receiver checks it.
    assertThat(FrameBuilder.checksum(f, 14, 20, 0)).isZero();
  }

  @Test
  void transportChecksumsVerify() {
    for (byte[] f : new byte[][] {
        FrameBuilder.ip("10.0.0.1", "10.0.0.2").tcp(1, 2, Packet.TCP_ACK).payload("abc").build(),
        FrameBuilder.ip("10.0.0.1", "10.0.0.2").udp(1, 2).payload("abcd").build(),
        FrameBuilder.ip("10.0.0.1", "10.0.0.2").echoRequest(1, 2).build()}) {
      Packet p = parser.parse(f);
      int len = p.ipLength() - 20;
      long pseudo = p.protocol() == Packet.PROTO_ICMP ? 0
          : 0x0A00 + 0x0001 + 0x0A00 + 0x0002 + p.protocol() + len;
      assertThat(FrameBuilder.checksum(f, p.l4Offset(), len, pseudo)).as("proto " + p.protocol()).isZero();
    }
  }

  @Test
  void vlanAndQinQ() {
    Packet p = parser.parse(FrameBuilder.ip("10.0.0.1", "10.0.0.2").vlan(42).udp(1, 2).build());
    assertThat(p.vlan()).isEqualTo(42);
    assertThat(p.etherType()).isEqualTo(Packet.ETH_IPV4);
    assertThat(p.srcPort()).isEqualTo(1);
    byte[] single = FrameBuilder.ip("10.0.0.1", "10.0.0.2").vlan(42).udp(1, 2).build();
    byte[] qinq = new byte[single.length + 4];
    System.arraycopy(single, 0, qinq, 0, 12);
    qinq[12] = (byte) 0x88;
    qinq[13] = (byte) 0xA8;
    qinq[14] = 0x00;
    qinq[15] = 0x07;
    System.arraycopy(single, 12, qinq, 16, single.length - 12);
    Packet q = parser.parse(qinq);
    assertThat(q.malformed()).isNull();
    assertThat(q.vlan()).as("outer tag").isEqualTo(7);
    assertThat(q.dstPort()).isEqualTo(2);
  }

  @Test
  void arpIsNotIp() {
    byte[] arp = new byte[42];
    arp[12] = 0x08;
    arp[13] = 0x06;
    Packet p = parser.parse(arp);
    assertThat(p.isIp()).isFalse();
    assertThat(p.etherType()).isEqualTo(Packet.ETH_ARP);
    assertThat(p.malformed()).isNull();
  }

  @Test
  void ipv4OptionsAndEthernetPadding() {
    byte[] base = FrameBuilder.ip("10.0.0.1", "10.0.0.2").udp(5, 6).payload("zz").build();
    // Insert 4 bytes of options (NOP NOP NOP EOL) and 6 bytes of Ethernet padding.
    byte[] f = new byte[base.length + 4 + 6];
    System.arraycopy(base, 0, f, 0, 34);
    f[34] = 1;
    f[35] = 1;
    f[36] = 1;
    System.arraycopy(base, 34, f, 38, base.length - 34);
    f[14] = 0x46;
    int total = ((base[16] & 0xFF) << 8 | (base[17] & 0xFF)) + 4;
    f[16] = (byte) (total >> 8);
    f[17] = (byte) total;
    Packet p = parser.parse(f);
    assertThat(p.malformed()).isNull();
    assertThat(p.l4Offset()).isEqualTo(38);
    assertThat(p.srcPort()).isEqualTo(5);
    assertThat(p.payloadLength()).isEqualTo(2);
  }

  @Test
  void ipv6WithExtensionHeaders() {
    byte[] base = FrameBuilder.ip("2001:db8::1", "2001:db8::2").tcp(1000, 22, Packet.TCP_SYN).build();
    // Insert a hop-by-hop (8 bytes) and a destination-options header (16 bytes).
    int ext = 24;
    byte[] f = new byte[base.length + ext];
    System.arraycopy(base, 0, f, 0, 54);
    f[20] = 0; // next header: hop-by-hop
    f[54] = 60; // hop-by-hop -> destination options
    f[55] = 0;
    f[62] = 6; // destination options -> TCP
    f[63] = 1;
    System.arraycopy(base, 54, f, 54 + ext, base.length - 54);
    int plen = base.length - 54 + ext;
    f[18] = (byte) (plen >> 8);
    f[19] = (byte) plen;
    Packet p = parser.parse(f);
    assertThat(p.malformed()).isNull();
    assertThat(p.protocol()).isEqualTo(Packet.PROTO_TCP);
    assertThat(p.dstPort()).isEqualTo(22);
    assertThat(p.l4Offset()).isEqualTo(54 + ext);
  }

  @Test
  void ipv6FragmentAfterTheFirstHasNoPorts() {
    byte[] base = FrameBuilder.ip("2001:db8::1", "2001:db8::2").udp(1, 2).payload("12345678").build();
    byte[] f = new byte[base.length + 8];
    System.arraycopy(base, 0, f, 0, 54);
    f[20] = 44;
    f[54] = 17;
    f[56] = 0;
    f[57] = 8 << 3; // offset 8 (64 bytes)
    System.arraycopy(base, 54, f, 62, base.length - 54);
    int plen = base.length - 54 + 8;
    f[18] = (byte) (plen >> 8);
    f[19] = (byte) plen;
    Packet p = parser.parse(f);
    assertThat(p.fragment()).isTrue();
    assertThat(p.protocol()).isEqualTo(Packet.PROTO_UDP);
    assertThat(p.srcPort()).isEqualTo(-1);
  }

  @Test
  void icmpEchoIdAndErrorPayload() {
    Packet echo = parser.parse(FrameBuilder.ip("10.0.0.1", "10.0.0.2").echoRequest(0xBEEF, 3).build());
    assertThat(echo.icmpType()).isEqualTo(8);
    assertThat(echo.icmpId()).isEqualTo(0xBEEF);
    byte[] inner = FrameBuilder.ip("10.0.0.1", "10.0.0.2").udp(7, 8).build();
    Packet err = parser.parse(FrameBuilder.ip("10.0.0.9", "10.0.0.1").icmp(3, 3, 0)
        .payload(FrameBuilder.ipPacketOf(inner, 548)).build());
    assertThat(err.icmpId()).isEqualTo(-1);
    Packet q = parser.parseQuoted(err.frame(), err.payloadOffset(), err.payloadLength(), Family.IPV4);
    assertThat(q.srcPort()).isEqualTo(7);
    assertThat(q.dst()).isEqualTo(IpAddress.parse("10.0.0.2"));
    Packet v6 = parser.parse(FrameBuilder.ip("2001:db8::1", "2001:db8::2").echoRequest(5, 1).build());
    assertThat(v6.protocol()).isEqualTo(Packet.PROTO_ICMPV6);
    assertThat(v6.icmpType()).isEqualTo(128);
    assertThat(v6.icmpId()).isEqualTo(5);
  }

  static Stream<Arguments> mangled() {
    byte[] tcp = FrameBuilder.ip("10.0.0.1", "10.0.0.2").tcp(1, 2, Packet.TCP_ACK).payload("data").build();
    byte[] udp = FrameBuilder.ip("10.0.0.1", "10.0.0.2").udp(1, 2).payload("data").build();
    byte[] v6 = FrameBuilder.ip("2001:db8::1", "2001:db8::2").udp(1, 2).build();
    byte[] icmp = FrameBuilder.ip("10.0.0.1", "10.0.0.2").echoRequest(1, 1).build();
    return Stream.of(
        bad("empty frame", new byte[0], f -> f),
        bad("short Ethernet header", tcp, f -> Arrays.copyOf(f, 13)),
        bad("short IPv4 header", tcp, f -> Arrays.copyOf(f, 14 + 19)),
        bad("IPv4 header length below 20", tcp, f -> set(f, 14, 0x44)),
        bad("IPv4 version 6 under IPv4 EtherType", tcp, f -> set(f, 14, 0x65)),
        bad("IPv4 total length below header", tcp, f -> set(set(f, 16, 0), 17, 10)),
        bad("IPv4 total length beyond frame", tcp, f -> set(set(f, 16, 0x05), 17, 0xDC)),
        bad("truncated frame", tcp, f -> Arrays.copyOf(f, f.length - 3)),
        bad("TCP data offset below 5", tcp, f -> set(f, 14 + 20 + 12, 0x40)),
        bad("TCP data offset beyond segment", tcp, f -> set(f, 14 + 20 + 12, 0xF0)),
        bad("TCP header truncated", tcp, f -> set(set(Arrays.copyOf(f, 14 + 30), 16, 0), 17, 30)),
        bad("UDP length below 8", udp, f -> set(set(f, 14 + 24, 0), 14 + 25, 4)),
        bad("UDP length beyond datagram", udp, f -> set(set(f, 14 + 24, 0), 14 + 25, 200)),
        bad("ICMP header truncated", icmp, f -> set(set(Arrays.copyOf(f, 14 + 24), 16, 0), 17, 24)),
        bad("IPv6 payload length beyond frame", v6, f -> set(f, 18, 0x10)),
        bad("short IPv6 header", v6, f -> Arrays.copyOf(f, 14 + 39)),
        bad("IPv6 extension header truncated", v6, f -> set(set(set(Arrays.copyOf(f, 54 + 4), 20, 0), 18, 0), 19, 4)),
        bad("IPv6 extension header loop", v6, UnaryOperator.identity(), PacketParserTest::extLoop),
        bad("three VLAN tags", tcp, f -> tags(f, 3)),
        bad("truncated VLAN tag", tcp, f -> set(set(Arrays.copyOf(f, 16), 12, 0x81), 13, 0)));
  }

  private static Arguments bad(String name, byte[] f, UnaryOperator<byte[]> mangle) {
    return Arguments.of(name, mangle.apply(f.clone()));
  }

  private static Arguments bad(String name, byte[] f, UnaryOperator<byte[]> unused, UnaryOperator<byte[]> mangle) {
    return Arguments.of(name, mangle.apply(f.clone()));
  }

  private static byte[] set(byte[] f, int i, int v) {
    f[i] = (byte) v;
    return f;
  }

  private static byte[] tags(byte[] f, int n) {
    byte[] out = new byte[f.length + 4 * n];
    System.arraycopy(f, 0, out, 0, 12);
    for (int i = 0; i < n; i++) {
      out[12 + 4 * i] = (byte) 0x81;
      out[15 + 4 * i] = 1;
    }
    System.arraycopy(f, 12, out, 12 + 4 * n, f.length - 12);
    return out;
  }

  /** Nine destination-options headers in a row: beyond the bound on extension headers. */
  private static byte[] extLoop(byte[] f) {
    int n = 9;
    byte[] out = new byte[54 + 8 * n + 8];
    System.arraycopy(f, 0, out, 0, 54);
    out[20] = 60;
    for (int i = 0; i < n; i++) {
      out[54 + 8 * i] = 60;
    }
    int plen = 8 * n + 8;
    out[18] = (byte) (plen >> 8);
    out[19] = (byte) plen;
    return out;
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("mangled")
  void mangledFramesAreMalformed(String name, byte[] frame) {
    Packet p = parser.parse(frame);
    assertThat(p.malformed()).as(name).isNotNull();
  }

  @Test
  void randomBytesNeverThrow() {
    Random r = new Random(42);
    byte[] seed = FrameBuilder.ip("10.0.0.1", "10.0.0.2").tcp(1, 2, Packet.TCP_ACK).payload("xyz").build();
    byte[] seed6 = FrameBuilder.ip("2001:db8::1", "2001:db8::2").echoRequest(1, 1).build();
    for (int i = 0; i < 20_000; i++) {
      byte[] f = (i % 2 == 0 ? seed : seed6).clone();
      int flips = 1 + r.nextInt(6);
      for (int k = 0; k < flips; k++) {
        f[r.nextInt(f.length)] = (byte) r.nextInt(256);
      }
      byte[] g = r.nextInt(4) == 0 ? Arrays.copyOf(f, r.nextInt(f.length + 1)) : f;
      assertThatCode(() -> {
        Packet p = parser.parse(g);
        if (p.payloadOffset() >= 0) {
          parser.parseQuoted(g, p.payloadOffset(), p.payloadLength(), Family.of(p));
        }
      }).doesNotThrowAnyException();
    }
    assertThat(parser.parse(null).malformed()).isNotNull();
  }
}
