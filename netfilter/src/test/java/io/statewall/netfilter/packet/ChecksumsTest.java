package io.statewall.netfilter.packet;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@link Checksums#verify}, one row per behaviour (the kernel's verdicts are in KernelDifferentialTest),
 * and {@link Checksums#transport} for segments built elsewhere.
 */
class ChecksumsTest {

  private static final PacketParser PARSER = new PacketParser();
  private static final String A = "10.0.0.1";
  private static final String B = "10.0.0.2";
  private static final String A6 = "2001:db8::1";
  private static final String B6 = "2001:db8::2";

  static Stream<Arguments> rows() {
    return Stream.of(
        Arguments.of("TCP over IPv4 as built verifies", FrameBuilder.ip(A, B).tcp(1, 2, 0x10).payload("abc").build(), -1, null),
        Arguments.of("TCP over IPv4 with a flipped byte is bad", FrameBuilder.ip(A, B).tcp(1, 2, 0x10).payload("abc").build(), 16, "bad TCP checksum"),
        Arguments.of("TCP over IPv6 with a flipped byte is bad", FrameBuilder.ip(A6, B6).tcp(1, 2, 0x10).payload("abc").build(), 16, "bad TCP checksum"),
        Arguments.of("UDP odd length verifies", FrameBuilder.ip(A, B).udp(1, 2).payload("abcde").build(), -1, null),
        Arguments.of("UDP with a flipped byte is bad", FrameBuilder.ip(A, B).udp(1, 2).payload("abcde").build(), 6, "bad UDP checksum"),
        Arguments.of("UDP checksum 0 over IPv4 is none", FrameBuilder.ip(A, B).udp(1, 2).payload("abcde").build(), -6, null),
        Arguments.of("UDP checksum 0 over IPv6 is invalid", FrameBuilder.ip(A6, B6).udp(1, 2).payload("abcde").build(), -6, "UDP checksum 0 over IPv6"),
        Arguments.of("ICMP echo verifies", FrameBuilder.ip(A, B).echoRequest(1, 1).build(), -1, null),
        Arguments.of("ICMP with a flipped byte is bad", FrameBuilder.ip(A, B).echoRequest(1, 1).build(), 2, "bad ICMP checksum"),
        Arguments.of("ICMPv6 with a flipped byte is bad", FrameBuilder.ip(A6, B6).echoRequest(1, 1).build(), 2, "bad ICMPv6 checksum"),
        Arguments.of("ICMPv6 echo verifies", FrameBuilder.ip(A6, B6).echoRequest(1, 1).build(), -1, null),
        Arguments.of("other protocols are not checked", FrameBuilder.ip(A, B).protocol(47).payload("gre").build(), 0, null));
  }

  /** {@code flip}: offset in the L4 header to corrupt, -1 none, negative other: zero the 2 bytes at -flip. */
  @ParameterizedTest(name = "{0}")
  @MethodSource("rows")
  void verifies(String name, byte[] frame, int flip, String expected) {
    int l4 = PARSER.parse(frame).l4Offset();
    if (flip >= 0) {
      frame[l4 + flip] ^= 0x40;
    } else if (flip < -1) {
      frame[l4 - flip] = 0;
      frame[l4 - flip + 1] = 0;
    }
    assertThat(Checksums.verify(PARSER.parse(frame))).isEqualTo(expected);
  }

  @Test
  void transportChecksumIsTheOneAFrameCarries() {
    for (byte[] frame : new byte[][] {FrameBuilder.ip(A6, B6).echoRequest(7, 1).payload("odd").build(),
        FrameBuilder.ip(A, B).tcp(1, 2, 0x10).payload("abc").build(), FrameBuilder.ip(A6, B6).udp(1, 2).payload("ab").build()}) {
      Packet p = PARSER.parse(frame);
      int l4 = p.l4Offset();
      int len = p.l3Offset() + p.ipLength() - l4;
      int at = l4 + switch (p.protocol()) {
        case Packet.PROTO_TCP -> 16;
        case Packet.PROTO_UDP -> 6;
        default -> 2;
      };
      int carried = Bytes.u16(frame, at);
      Bytes.put16(frame, at, 0);
      assertThat(Checksums.transport(p.src(), p.dst(), p.protocol(), frame, l4, len)).isEqualTo(carried);
    }
  }
}
