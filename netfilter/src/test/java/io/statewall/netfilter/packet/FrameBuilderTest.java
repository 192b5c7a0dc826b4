package io.statewall.netfilter.packet;

import static org.assertj.core.api.Assertions.assertThat;

import io.statewall.netfilter.conntrack.CtConfig;
import io.statewall.netfilter.conntrack.CtState;
import io.statewall.netfilter.conntrack.ShardedConnTracker;
import io.statewall.netfilter.conntrack.TrackOptions;
import java.time.InstantSource;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The packets the controller crafts: TCP resets and ICMP errors that hosts and conntrack accept. */
class FrameBuilderTest {

  private final PacketParser parser = new PacketParser();

  @Test
  void resetForASynAcknowledgesIt() {
    Packet syn = parser.parse(FrameBuilder.ip("10.0.0.1", "10.0.0.2").vlan(5)
        .tcp(40000, 23, Packet.TCP_SYN).seq(1000).build());
    Packet rst = parser.parse(FrameBuilder.tcpResetFor(syn));
    assertThat(rst.malformed()).isNull();
    assertThat(rst.src()).isEqualTo(syn.dst());
    assertThat(rst.srcPort()).isEqualTo(23);
    assertThat(rst.dstPort()).isEqualTo(40000);
    assertThat(rst.vlan()).isEqualTo(5);
    assertThat(rst.tcpFlags()).isEqualTo(Packet.TCP_RST | Packet.TCP_ACK);
    assertThat(rst.ack()).isEqualTo(1001);
    assertThat(rst.srcMac()).isEqualTo(syn.dstMac());
  }

  @Test
  void resetForAnAckUsesItsAckAsSequence() {
    Packet ack = parser.parse(FrameBuilder.ip("10.0.0.1", "10.0.0.2")
        .tcp(40000, 23, Packet.TCP_ACK).seq(1000).ack(777).build());
    Packet rst = parser.parse(FrameBuilder.tcpResetFor(ack));
    assertThat(rst.tcpFlags()).isEqualTo(Packet.TCP_RST);
    assertThat(rst.seq()).isEqualTo(777);
  }

  @Test
  void unreachableQuotesThePacketAndIsRelatedToItsConnection() {
    ShardedConnTracker ct = new ShardedConnTracker(CtConfig.defaults(), InstantSource.system(), List.of());
    for (String[] a : new String[][] {{"10.0.0.1", "10.0.0.2", "10.0.0.254"},
        {"2001:db8::1", "2001:db8::2", "2001:db8::fe"}}) {
      Packet q = parser.parse(FrameBuilder.ip(a[0], a[1]).udp(5000, 53).payload("query").build());
      ct.confirm(ct.classify(q, TrackOptions.NONE));
      Packet err = parser.parse(FrameBuilder.icmpUnreachableFor(q, IpAddress.parse(a[2]), 3));
      assertThat(err.malformed()).isNull();
      assertThat(err.dst()).isEqualTo(q.src());
      assertThat(err.icmpType()).isEqualTo(q.ipVersion() == 6 ? 1 : 3);
      assertThat(ct.classify(err, TrackOptions.NONE).state()).isEqualTo(CtState.RELATED);
    }
  }
}
