package io.statewall.netfilter.packet;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.statewall.netfilter.FuzzBudget;

/**
 * Arbitrary bytes as an Ethernet frame: {@link PacketParser#parse} never throws and returns a packet that
 * either parsed (fields within their wire ranges, offsets inside the frame) or says why not in
 * {@code malformed}. Seeds: {@code PacketParserFuzzTestInputs/frame/} in the test resources.
 */
class PacketParserFuzzTest {
  private final PacketParser parser = new PacketParser();

  @FuzzTest(maxDuration = FuzzBudget.SESSION)
  void frame(byte[] data) throws Throwable {
    FuzzBudget.bounded(() -> {
      Packet p = parser.parse(data);
      assertThat(p).isNotNull();
      assertThat(p.frame()).isSameAs(data);
      if (p.malformed() != null) {
        assertThat(p.malformed()).isNotBlank();
        return;
      }
      assertThat(p.protocol()).isBetween(0, 255);
      // fields that do not apply are -1 (Packet's javadoc)
      assertThat(p.srcPort()).isBetween(-1, 65535);
      assertThat(p.dstPort()).isBetween(-1, 65535);
      assertThat(p.icmpType()).isBetween(-1, 255);
      assertThat(p.icmpCode()).isBetween(-1, 255);
      assertThat(p.tcpFlags()).isBetween(-1, 255);
      if (p.ipVersion() != 0) {
        assertThat(p.ipVersion()).isIn(4, 6);
        assertThat(p.src()).isNotNull();
        assertThat(p.dst()).isNotNull();
        assertThat(p.l4Offset()).isBetween(-1, data.length);
        assertThat(p.payloadOffset()).isBetween(-1, data.length);
        assertThat(p.payloadLength()).isBetween(0, data.length - Math.max(0, p.payloadOffset()));
      }
      // An ICMP error quotes a packet: the quote parser gets the same hostile bytes.
      if (p.payloadLength() > 0 && p.payloadOffset() >= 0) {
        Packet q = parser.parseQuoted(data, p.payloadOffset(), p.payloadLength(), Family.of(p));
        if (q != null) { // null: too short to name a connection (documented)
          assertThat(q.protocol()).isBetween(0, 255);
        }
      }
    });
  }
}
