package io.statewall.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.statewall.netfilter.packet.IpAddress;
import io.statewall.netfilter.packet.Packet;
import io.statewall.netfilter.packet.PacketParser;
import org.junit.jupiter.api.Test;

/**
 * The emulated hosts' handshake: a SYN is answered with a SYN-ACK and that with an ACK, with the
 * addresses, ports and sequence numbers a real stack uses, valid checksums (the parser calls the
 * frames whole), and nothing answers anything else.
 */
class HandshakeFramesTest {
  private static final int CLIENT = 0x0A00_0301; // 10.0.3.1
  private static final int SERVER = 0x0A00_0402; // 10.0.4.2
  private static final long CLIENT_MAC = 0x0200_0000_0301L;
  private static final long SERVER_MAC = 0x0200_0000_0402L;
  private final PacketParser parser = new PacketParser();

  private byte[] syn() {
    return FrameWriter.tcpSyn(CLIENT_MAC, SERVER_MAC, CLIENT, SERVER, 40_000, 80, 0xFFFF_FFFFL);
  }

  @Test
  void aSynIsAnsweredWithASynAckFromTheServer() {
    Packet synAck = parser.parse(FrameWriter.handshakeAnswer(syn()));

    assertThat(synAck.malformed()).isNull();
    assertThat(synAck.src()).isEqualTo(IpAddress.v4(SERVER));
    assertThat(synAck.dst()).isEqualTo(IpAddress.v4(CLIENT));
    assertThat(synAck.srcPort()).isEqualTo(80);
    assertThat(synAck.dstPort()).isEqualTo(40_000);
    assertThat(synAck.tcpFlags()).isEqualTo(Packet.TCP_SYN | Packet.TCP_ACK);
    assertThat(synAck.ack()).as("acknowledges the SYN, wrapping").isEqualTo(0L);
    assertThat(FrameWriter.checksum(FrameWriter.handshakeAnswer(syn()), 14, 20, 0)).isZero();
  }

  @Test
  void aSynAckIsAnsweredWithTheClientsAck() {
    byte[] synAck = FrameWriter.handshakeAnswer(syn());
    Packet sa = parser.parse(synAck);
    Packet ack = parser.parse(FrameWriter.handshakeAnswer(synAck));

    assertThat(ack.malformed()).isNull();
    assertThat(ack.src()).isEqualTo(IpAddress.v4(CLIENT));
    assertThat(ack.dst()).isEqualTo(IpAddress.v4(SERVER));
    assertThat(ack.srcPort()).isEqualTo(40_000);
    assertThat(ack.tcpFlags()).isEqualTo(Packet.TCP_ACK);
    assertThat(ack.seq()).as("the SYN's sequence number plus one").isEqualTo(0L);
    assertThat(ack.ack()).isEqualTo((sa.seq() + 1) & 0xFFFF_FFFFL);
    assertThat(FrameWriter.tcpFlags(FrameWriter.handshakeAnswer(synAck))).isEqualTo(0x10);
  }

  @Test
  void anAckOrAnArpGetsNoAnswer() {
    byte[] ack = FrameWriter.handshakeAnswer(FrameWriter.handshakeAnswer(syn()));
    assertThat(FrameWriter.handshakeAnswer(ack)).isNull();
    assertThat(FrameWriter.handshakeAnswer(FrameWriter.gratuitousArp(CLIENT_MAC, CLIENT))).isNull();
    assertThat(FrameWriter.handshakeAnswer(new byte[10])).isNull();
    assertThat(FrameWriter.tcpFlags(new byte[10])).isEqualTo(-1);
  }
}
