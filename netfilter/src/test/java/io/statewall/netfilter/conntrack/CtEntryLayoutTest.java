package io.statewall.netfilter.conntrack;

import static org.assertj.core.api.Assertions.assertThat;

import io.statewall.netfilter.packet.FrameBuilder;
import io.statewall.netfilter.packet.Packet;
import io.statewall.netfilter.packet.PacketParser;
import java.time.InstantSource;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The entry keeps its tuple packed (an IPv4 connection's addresses in one long): what it
 * gives back (tuple, family, the hash the table links and locks it by) is what its packets' keys say,
 * in both directions, for every kind of tuple.
 */
class CtEntryLayoutTest {
  private final PacketParser parser = new PacketParser();

  static Stream<List<FrameBuilder>> connections() {
    return Stream.of(
        List.of(FrameBuilder.ip("10.0.0.1", "192.168.200.254").tcp(40000, 80, Packet.TCP_SYN),
            FrameBuilder.ip("192.168.200.254", "10.0.0.1").tcp(80, 40000, Packet.TCP_SYN | Packet.TCP_ACK)),
        // addresses with the top bit set: the packed long must not sign-extend either half
        List.of(FrameBuilder.ip("255.1.2.3", "200.0.0.9").udp(65535, 53),
            FrameBuilder.ip("200.0.0.9", "255.1.2.3").udp(53, 65535)),
        List.of(FrameBuilder.ip("10.0.0.1", "10.0.0.2").echoRequest(0xBEEF, 1),
            FrameBuilder.ip("10.0.0.2", "10.0.0.1").echoReply(0xBEEF, 1)),
        List.of(FrameBuilder.ip("2001:db8::1", "2001:db8:ffff::2").tcp(1, 65535, Packet.TCP_SYN),
            FrameBuilder.ip("2001:db8:ffff::2", "2001:db8::1").tcp(65535, 1, Packet.TCP_SYN | Packet.TCP_ACK)),
        // an IPv6 address whose high half is 0: still IPv6
        List.of(FrameBuilder.ip("::1", "::2").udp(5000, 5001), FrameBuilder.ip("::2", "::1").udp(5001, 5000)),
        List.of(FrameBuilder.ip("2001:db8::1", "2001:db8::2").echoRequest(7, 1),
            FrameBuilder.ip("2001:db8::2", "2001:db8::1").echoReply(7, 1)),
        List.of(FrameBuilder.ip("10.0.0.1", "10.0.0.2").protocol(47),
            FrameBuilder.ip("10.0.0.2", "10.0.0.1").protocol(47)));
  }

  @ParameterizedTest
  @MethodSource("connections")
  void anEntryGivesBackItsTupleFamilyAndHashInBothDirections(List<FrameBuilder> frames) {
    ShardedConnTracker ct = new ShardedConnTracker(CtConfig.defaults(), InstantSource.system(), List.of());
    Packet first = parser.parse(frames.get(0).build());
    Packet reply = parser.parse(frames.get(1).build());
    CtLookup l = ct.classify(first, TrackOptions.NONE);
    ct.confirm(l);
    CtEntry e = l.entry();

    assertThat(e.family()).isEqualTo(CtKey.of(first).family);
    assertThat(e.tuple(CtDirection.ORIGINAL).src()).isEqualTo(first.src());
    assertThat(e.tuple(CtDirection.ORIGINAL).dst()).isEqualTo(first.dst());
    assertThat(e.hash()).isEqualTo(CtKey.of(first).hash).isEqualTo(CtKey.of(reply).hash);
    assertThat(CtKey.of(first).matchDir(e)).isZero();
    assertThat(CtKey.of(reply).matchDir(e)).isOne();
    assertThat(CtKey.of(e.tuple(CtDirection.REPLY)).matchDir(e)).isOne();

    CtLookup r = ct.classify(reply, TrackOptions.NONE);
    assertThat(r.entry()).isSameAs(e);
    assertThat(r.state()).isEqualTo(CtState.ESTABLISHED);
  }
}
