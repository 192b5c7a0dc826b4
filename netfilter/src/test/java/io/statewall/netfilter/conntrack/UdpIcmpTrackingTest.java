package io.statewall.netfilter.conntrack;

import static org.assertj.core.api.Assertions.assertThat;

import io.statewall.netfilter.packet.FrameBuilder;
import io.statewall.netfilter.packet.PacketParser;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * UDP, ICMP, ICMPv6 and generic tracking, one row per case: a sequence of (seconds to wait, frame)
 * steps, the expected state of each packet, and the final {@code conntrack -L} line (or none).
 */
class UdpIcmpTrackingTest {

  private static final PacketParser PARSER = new PacketParser();
  private static final String C = "10.0.0.1";
  private static final String S = "10.0.0.2";
  private static final String R = "10.0.0.254";

  /** One step: wait, then send the frame. */
  record Step(double waitSeconds, byte[] frame) {}

  private static Step now(byte[] f) {
    return new Step(0, f);
  }

  private static Step after(double s, byte[] f) {
    return new Step(s, f);
  }

  private static byte[] udp(String s, String d, int sp, int dp) {
    return FrameBuilder.ip(s, d).udp(sp, dp).payload("x").build();
  }

  static Stream<Arguments> rows() {
    byte[] q = udp(C, S, 5000, 53);
    byte[] q6 = udp("2001:db8::1", "2001:db8::2", 5000, 53);
    byte[] echo = FrameBuilder.ip(C, S).echoRequest(7, 1).build();
    byte[] syn = FrameBuilder.ip(C, S).tcp(40000, 80, 0x02).seq(1).build();
    return Stream.of(
        row("udp first datagram is NEW, unreplied, 30 s", List.of(now(q)), "NEW",
            "udp      17 30 src=10.0.0.1 dst=10.0.0.2 sport=5000 dport=53 [UNREPLIED] src=10.0.0.2 dst=10.0.0.1 sport=53 dport=5000 mark=0 use=1"),
        row("udp repeat before a reply stays NEW", List.of(now(q), after(1, q)), "NEW NEW",
            "udp      17 30 src=10.0.0.1 dst=10.0.0.2 sport=5000 dport=53 [UNREPLIED] src=10.0.0.2 dst=10.0.0.1 sport=53 dport=5000 mark=0 use=1"),
        row("udp reply is ESTABLISHED, still 30 s and not assured", List.of(now(q), now(udp(S, C, 53, 5000))),
            "NEW ESTABLISHED",
            "udp      17 30 src=10.0.0.1 dst=10.0.0.2 sport=5000 dport=53 src=10.0.0.2 dst=10.0.0.1 sport=53 dport=5000 mark=0 use=1"),
        row("udp stream active after 2 s is assured with 120 s",
            List.of(now(q), now(udp(S, C, 53, 5000)), after(3, q)), "NEW ESTABLISHED ESTABLISHED",
            "udp      17 120 src=10.0.0.1 dst=10.0.0.2 sport=5000 dport=53 src=10.0.0.2 dst=10.0.0.1 sport=53 dport=5000 [ASSURED] mark=0 use=1"),
        row("udp unreplied expires after 30 s", List.of(now(q), after(31, udp(C, S, 5001, 53))), "NEW NEW",
            "udp      17 30 src=10.0.0.1 dst=10.0.0.2 sport=5001 dport=53 [UNREPLIED] src=10.0.0.2 dst=10.0.0.1 sport=53 dport=5001 mark=0 use=1"),
        row("udp reply after expiry is a new connection", List.of(now(q), after(31, udp(S, C, 53, 5000))), "NEW NEW",
            "udp      17 30 src=10.0.0.2 dst=10.0.0.1 sport=53 dport=5000 [UNREPLIED] src=10.0.0.1 dst=10.0.0.2 sport=5000 dport=53 mark=0 use=1"),
        row("udp over IPv6", List.of(now(q6), now(udp("2001:db8::2", "2001:db8::1", 53, 5000))), "NEW ESTABLISHED",
            "udp      17 30 src=2001:db8::1 dst=2001:db8::2 sport=5000 dport=53 src=2001:db8::2 dst=2001:db8::1 sport=53 dport=5000 mark=0 use=1"),
        row("icmp echo pairs with its reply by id", List.of(now(echo), now(FrameBuilder.ip(S, C).echoReply(7, 1).build())),
            "NEW ESTABLISHED",
            "icmp     1 30 src=10.0.0.1 dst=10.0.0.2 type=8 code=0 id=7 src=10.0.0.2 dst=10.0.0.1 type=0 code=0 id=7 mark=0 use=1"),
        row("icmp reply with another id is INVALID", List.of(now(echo), now(FrameBuilder.ip(S, C).echoReply(8, 1).build())),
            "NEW INVALID",
            "icmp     1 30 src=10.0.0.1 dst=10.0.0.2 type=8 code=0 id=7 [UNREPLIED] src=10.0.0.2 dst=10.0.0.1 type=0 code=0 id=7 mark=0 use=1"),
        row("icmp echo reply first is INVALID", List.of(now(FrameBuilder.ip(S, C).echoReply(7, 1).build())), "INVALID", null),
        row("icmp type above 18 is INVALID", List.of(now(FrameBuilder.ip(C, S).icmp(19, 0, 0).build())), "INVALID", null),
        row("icmp redirect quoting nothing is INVALID", List.of(now(FrameBuilder.ip(R, C).icmp(5, 1, 0)
            .payload(FrameBuilder.ipPacketOf(q, 28)).build())), "INVALID", null),
        row("icmp address mask request creates an entry", List.of(now(FrameBuilder.ip(C, S).icmp(17, 0, 9 << 16).build())), "NEW",
            "icmp     1 30 src=10.0.0.1 dst=10.0.0.2 type=17 code=0 id=9 [UNREPLIED] src=10.0.0.2 dst=10.0.0.1 type=18 code=0 id=9 mark=0 use=1"),
        row("icmp error from a router to the sender is RELATED", List.of(now(q),
            now(FrameBuilder.ip(R, C).icmp(11, 0, 0).payload(FrameBuilder.ipPacketOf(q, 28)).build())), "NEW RELATED",
            "udp      17 30 src=10.0.0.1 dst=10.0.0.2 sport=5000 dport=53 [UNREPLIED] src=10.0.0.2 dst=10.0.0.1 sport=53 dport=5000 mark=0 use=1"),
        row("icmp error in the original direction is RELATED", List.of(now(udp(S, C, 53, 5000)),
            now(FrameBuilder.ip(C, S).icmp(3, 3, 0).payload(FrameBuilder.ipPacketOf(udp(S, C, 53, 5000), 548)).build())),
            "NEW RELATED",
            "udp      17 30 src=10.0.0.2 dst=10.0.0.1 sport=53 dport=5000 [UNREPLIED] src=10.0.0.1 dst=10.0.0.2 sport=5000 dport=53 mark=0 use=1"),
        row("icmp error to a third host is INVALID", List.of(now(q),
            now(FrameBuilder.ip(S, R).icmp(3, 3, 0).payload(FrameBuilder.ipPacketOf(q, 548)).build())), "NEW INVALID",
            "udp      17 30 src=10.0.0.1 dst=10.0.0.2 sport=5000 dport=53 [UNREPLIED] src=10.0.0.2 dst=10.0.0.1 sport=53 dport=5000 mark=0 use=1"),
        row("icmp error quoting only the UDP ports is RELATED (Linux reads 4 bytes)", List.of(now(q),
            now(FrameBuilder.ip(R, C).icmp(11, 0, 0).payload(FrameBuilder.ipPacketOf(q, 24)).build())), "NEW RELATED",
            "udp      17 30 src=10.0.0.1 dst=10.0.0.2 sport=5000 dport=53 [UNREPLIED] src=10.0.0.2 dst=10.0.0.1 sport=53 dport=5000 mark=0 use=1"),
        row("icmp error quoting less than the UDP ports is INVALID", List.of(now(q),
            now(FrameBuilder.ip(R, C).icmp(11, 0, 0).payload(FrameBuilder.ipPacketOf(q, 23)).build())), "NEW INVALID",
            "udp      17 30 src=10.0.0.1 dst=10.0.0.2 sport=5000 dport=53 [UNREPLIED] src=10.0.0.2 dst=10.0.0.1 sport=53 dport=5000 mark=0 use=1"),
        row("icmp error for a TCP SYN is RELATED", List.of(now(syn),
            now(FrameBuilder.ip(S, C).icmp(3, 1, 0).payload(FrameBuilder.ipPacketOf(syn, 548)).build())), "NEW RELATED",
            "tcp      6 120 SYN_SENT src=10.0.0.1 dst=10.0.0.2 sport=40000 dport=80 [UNREPLIED] src=10.0.0.2 dst=10.0.0.1 sport=80 dport=40000 mark=0 use=1"),
        row("icmp error quoting an echo is RELATED", List.of(now(echo),
            now(FrameBuilder.ip(R, C).icmp(11, 0, 0).payload(FrameBuilder.ipPacketOf(echo, 28)).build())), "NEW RELATED",
            "icmp     1 30 src=10.0.0.1 dst=10.0.0.2 type=8 code=0 id=7 [UNREPLIED] src=10.0.0.2 dst=10.0.0.1 type=0 code=0 id=7 mark=0 use=1"),
        row("icmpv6 echo and reply", List.of(now(FrameBuilder.ip("2001:db8::1", "2001:db8::2").echoRequest(3, 1).build()),
            now(FrameBuilder.ip("2001:db8::2", "2001:db8::1").echoReply(3, 1).build())), "NEW ESTABLISHED",
            "icmpv6   58 30 src=2001:db8::1 dst=2001:db8::2 type=128 code=0 id=3 src=2001:db8::2 dst=2001:db8::1 type=129 code=0 id=3 mark=0 use=1"),
        row("icmpv6 error quoting a tracked flow is RELATED", List.of(now(q6),
            now(FrameBuilder.ip("2001:db8::ff", "2001:db8::1").icmp(3, 0, 0).payload(FrameBuilder.ipPacketOf(q6, 1232)).build())),
            "NEW RELATED",
            "udp      17 30 src=2001:db8::1 dst=2001:db8::2 sport=5000 dport=53 [UNREPLIED] src=2001:db8::2 dst=2001:db8::1 sport=53 dport=5000 mark=0 use=1"),
        row("icmpv6 neighbour solicitation is INVALID", List.of(now(FrameBuilder.ip("2001:db8::1", "2001:db8::2").icmp(135, 0, 0)
            .payload(new byte[16]).build())), "INVALID", null),
        row("icmpv6 multicast listener report is UNTRACKED", List.of(now(FrameBuilder.ip("2001:db8::1", "ff02::16").icmp(143, 0, 0)
            .build())), "UNTRACKED", null),
        row("generic protocol lives 600 s", List.of(now(FrameBuilder.ip(C, S).protocol(47).payload("gre").build())), "NEW",
            "gre      47 600 src=10.0.0.1 dst=10.0.0.2 [UNREPLIED] src=10.0.0.2 dst=10.0.0.1 mark=0 use=1"));
  }

  private static Arguments row(String name, List<Step> steps, String states, String listing) {
    return Arguments.of(name, steps, states, listing);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("rows")
  void tracks(String name, List<Step> steps, String states, String listing) {
    FakeClock clock = new FakeClock();
    ShardedConnTracker ct = new ShardedConnTracker(CtConfig.defaults(), clock, List.of());
    List<String> got = new ArrayList<>();
    for (Step s : steps) {
      clock.advanceSeconds(s.waitSeconds());
      CtLookup l = ct.classify(PARSER.parse(s.frame()), TrackOptions.NONE);
      got.add(l.state().name());
      ct.confirm(l);
    }
    assertThat(String.join(" ", got)).isEqualTo(states);
    if (listing == null) {
      assertThat(ct.list()).isEmpty();
    } else {
      assertThat(ct.list()).containsExactly(listing);
    }
  }
}
