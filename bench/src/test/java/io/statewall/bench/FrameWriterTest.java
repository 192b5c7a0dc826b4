package io.statewall.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class FrameWriterTest {
  private static final int SRC = 0x0A00_0101; // 10.0.1.1
  private static final int DST = 0x0A00_0203; // 10.0.2.3

  private static byte[] syn() {
    return FrameWriter.tcpSyn(0x0200_0000_0101L, 0x0200_0000_0203L, SRC, DST, 40_000, 80, 0xDEADBEEFL);
  }

  @Test
  void everyFrameWrittenPassesConntracksChecksumCheck() {
    io.statewall.netfilter.packet.PacketParser parser = new io.statewall.netfilter.packet.PacketParser();
    byte[] syn = syn();
    byte[] synAck = FrameWriter.handshakeAnswer(syn);
    byte[] ack = FrameWriter.handshakeAnswer(synAck);
    // high addresses too: the pseudo header sum must not lose a carry
    byte[] high = FrameWriter.tcpSyn(1L, 2L, 0xFFFF_FFFE, 0xFFFF_FF01, 65535, 65535, 0xFFFF_FFFFL);
    for (byte[] f : new byte[][] {syn, synAck, ack, high}) {
      io.statewall.netfilter.packet.Packet p = parser.parse(f);
      assertThat(p.malformed()).isNull();
      assertThat(io.statewall.netfilter.packet.Checksums.verify(p)).isNull();
    }
  }

  @Test
  void synHasAValidIpv4HeaderChecksum() {
    byte[] f = syn();
    assertThat(FrameWriter.checksum(f, 14, 20, 0)).isZero();
  }

  @Test
  void synHasAValidTcpChecksumOverThePseudoHeader() {
    byte[] f = syn();
    int tcpLen = 24;
    assertThat(FrameWriter.checksum(f, 34, tcpLen, FrameWriter.pseudoHeaderSum(SRC, DST, 6, tcpLen)))
        .isZero();
  }

  @Test
  void synCarriesItsFieldsWhereAParserLooks() {
    byte[] f = syn();
    assertThat(f).hasSize(FrameWriter.SYN_FRAME_LENGTH);
    assertThat(Arrays.copyOfRange(f, 12, 14)).containsExactly(0x08, 0x00);
    assertThat(f[23]).isEqualTo((byte) 6);
    assertThat(((f[16] & 0xFF) << 8) | (f[17] & 0xFF)).as("IP total length excludes padding")
        .isEqualTo(44);
    assertThat(f[47]).as("flags").isEqualTo((byte) 0x02);
  }

  @Test
  void gratuitousArpAnnouncesTheHostsOwnAddress() {
    byte[] f = FrameWriter.gratuitousArp(0x0200_0000_0101L, SRC);
    assertThat(Arrays.copyOfRange(f, 0, 6)).containsOnly((byte) 0xFF);
    assertThat(Arrays.copyOfRange(f, 12, 14)).containsExactly(0x08, 0x06);
    assertThat(Arrays.copyOfRange(f, 28, 32)).isEqualTo(Arrays.copyOfRange(f, 38, 42));
  }

  static Stream<Arguments> frames() {
    byte[] syn = syn();
    byte[] udp = syn.clone();
    udp[23] = 17;
    byte[] fragment = syn.clone();
    fragment[20] = 0x00;
    fragment[21] = 0x10; // offset 16*8: a later fragment has no TCP header
    byte[] ipv6 = syn.clone();
    ipv6[12] = (byte) 0x86;
    ipv6[13] = (byte) 0xDD;
    byte[] tagged = new byte[syn.length + 4];
    System.arraycopy(syn, 0, tagged, 0, 12);
    tagged[12] = (byte) 0x81;
    tagged[15] = 7;
    System.arraycopy(syn, 12, tagged, 16, syn.length - 12);
    byte[] badIhl = syn.clone();
    badIhl[14] = 0x43;
    FiveTuple expected = new FiveTuple(SRC, DST, 40_000, 80);
    return Stream.of(
        Arguments.of("tcp syn gives its tuple", syn, expected),
        Arguments.of("vlan tagged tcp gives its tuple", tagged, expected),
        Arguments.of("udp is not a benchmark connection", udp, null),
        Arguments.of("a later fragment has no ports", fragment, null),
        Arguments.of("ipv6 is not parsed", ipv6, null),
        Arguments.of("an IHL below 5 is rejected", badIhl, null),
        Arguments.of("truncated before tcp ports", Arrays.copyOf(syn, 36), null),
        Arguments.of("truncated inside ethernet", Arrays.copyOf(syn, 10), null),
        Arguments.of("empty", new byte[0], null),
        Arguments.of("null", null, null));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("frames")
  void fiveTupleFromFrame(String name, byte[] frame, FiveTuple expected) {
    assertThat(FiveTuple.fromFrame(frame)).isEqualTo(expected);
  }
}
