package io.statewall.firewall.forwarding;

import static org.assertj.core.api.Assertions.assertThat;

import io.statewall.firewall.forwarding.fakes.TestFrames;
import io.statewall.netfilter.packet.IpAddress;
import io.statewall.netfilter.packet.Packet;
import java.util.Arrays;
import java.util.Random;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class MinimalPacketDecoderTest {

  private final MinimalPacketDecoder decoder = new MinimalPacketDecoder();

  static Stream<Arguments> frames() {
    return Stream.of(
        Arguments.of("TCP over IPv4 gives addresses, ports and flags", TestFrames.tcp(1, 2, 40000, 80),
            (Consumer<Packet>) p -> {
              assertThat(p.isTcp()).isTrue();
              assertThat(p.src()).isEqualTo(IpAddress.parse("10.0.0.1"));
              assertThat(p.dst()).isEqualTo(IpAddress.parse("10.0.0.2"));
              assertThat(p.srcPort()).isEqualTo(40000);
              assertThat(p.dstPort()).isEqualTo(80);
              assertThat(p.tcpFlags()).isEqualTo(Packet.TCP_SYN);
              assertThat(p.seq()).isEqualTo(1000);
            }),
        Arguments.of("UDP over IPv4 gives ports", TestFrames.udp(1, 2, 5353, 53),
            (Consumer<Packet>) p -> {
              assertThat(p.isUdp()).isTrue();
              assertThat(p.dstPort()).isEqualTo(53);
              assertThat(p.tcpFlags()).isEqualTo(-1);
            }),
        Arguments.of("ICMP gives type, code and id", TestFrames.icmp(1, 2, 8, 0),
            (Consumer<Packet>) p -> {
              assertThat(p.protocol()).isEqualTo(Packet.PROTO_ICMP);
              assertThat(p.icmpType()).isEqualTo(8);
              assertThat(p.icmpId()).isEqualTo(77);
              assertThat(p.srcPort()).isEqualTo(-1);
            }),
        Arguments.of("TCP over IPv6", TestFrames.tcp6(1, 2, 40000, 22),
            (Consumer<Packet>) p -> {
              assertThat(p.ipVersion()).isEqualTo(6);
              assertThat(p.src()).isEqualTo(IpAddress.parse("2001:db8::1"));
              assertThat(p.dstPort()).isEqualTo(22);
            }),
        Arguments.of("ICMPv6 echo", TestFrames.icmp6(1, 2, 128),
            (Consumer<Packet>) p -> {
              assertThat(p.protocol()).isEqualTo(Packet.PROTO_ICMPV6);
              assertThat(p.icmpType()).isEqualTo(128);
            }),
        Arguments.of("a later IPv4 fragment has no ports",
            TestFrames.ipv4(TestFrames.mac(1), TestFrames.mac(2), TestFrames.ip(1), TestFrames.ip(2),
                17, new byte[8], 185),
            (Consumer<Packet>) p -> {
              assertThat(p.fragment()).isTrue();
              assertThat(p.srcPort()).isEqualTo(-1);
            }),
        Arguments.of("ARP is not IP", TestFrames.arpRequest(1, TestFrames.ip(2)),
            (Consumer<Packet>) p -> {
              assertThat(p.isIp()).isFalse();
              assertThat(p.etherType()).isEqualTo(Packet.ETH_ARP);
              assertThat(p.malformed()).isNull();
            }),
        Arguments.of("a TCP header cut short is malformed",
            Arrays.copyOf(TestFrames.tcp(1, 2, 1, 2), 40),
            (Consumer<Packet>) p -> assertThat(p.malformed()).contains("TCP")),
        Arguments.of("a frame shorter than Ethernet is malformed", new byte[5],
            (Consumer<Packet>) p -> assertThat(p.malformed()).isNotNull()));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("frames")
  void decodes(String behaviour, byte[] frame, Consumer<Packet> check) {
    check.accept(decoder.decode(frame));
  }

  @Test
  void arbitraryBytesNeverThrow() {
    Random r = new Random(11);
    byte[] tcp = TestFrames.tcp(1, 2, 1, 2);
    for (int i = 0; i < 5_000; i++) {
      byte[] f = r.nextBoolean() ? new byte[r.nextInt(100)] : tcp.clone();
      if (f.length > 0 && r.nextBoolean()) {
        f[r.nextInt(f.length)] = (byte) r.nextInt();
      } else {
        r.nextBytes(f);
      }
      if (f.length >= 14 && i % 2 == 0) {
        f[12] = (byte) (i % 4 == 0 ? 0x86 : 0x08);
        f[13] = (byte) (i % 4 == 0 ? 0xDD : 0x00);
      }
      assertThat(decoder.decode(f)).isNotNull();
    }
  }
}
