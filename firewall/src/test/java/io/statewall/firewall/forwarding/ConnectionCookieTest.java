package io.statewall.firewall.forwarding;

import static org.assertj.core.api.Assertions.assertThat;

import io.statewall.firewall.forwarding.fakes.TestFrames;
import io.statewall.netfilter.packet.PacketParser;
import org.junit.jupiter.api.Test;

class ConnectionCookieTest {

  private final PacketParser parser = new PacketParser();

  private ExactMatch match(byte[] frame) {
    return ExactMatch.of(parser.parse(frame)).orElseThrow();
  }

  @Test
  void bothDirectionsOfAConnectionShareOneTaggedCookie() {
    ExactMatch m = match(TestFrames.tcp(1, 2, 40000, 80));
    assertThat(ConnectionCookie.of(m)).isEqualTo(ConnectionCookie.of(m.reverse().orElseThrow()));
    assertThat(ConnectionCookie.of(m).getValue() >>> 48).isEqualTo(0x5357);
    assertThat(ConnectionCookie.isOurs(ConnectionCookie.of(m))).isTrue();
  }

  @Test
  void echoRequestAndReplyShareACookie() {
    assertThat(ConnectionCookie.of(match(TestFrames.icmp(1, 2, 8, 0))))
        .isEqualTo(ConnectionCookie.of(match(TestFrames.icmp(2, 1, 0, 0))));
  }

  @Test
  void differentConnectionsGetDifferentCookies() {
    assertThat(ConnectionCookie.of(match(TestFrames.tcp(1, 2, 40000, 80))))
        .isNotEqualTo(ConnectionCookie.of(match(TestFrames.tcp(1, 2, 40001, 80))))
        .isNotEqualTo(ConnectionCookie.of(match(TestFrames.udp(1, 2, 40000, 80))))
        .isNotEqualTo(ConnectionCookie.of(match(TestFrames.tcp(1, 3, 40000, 80))));
  }

  @Test
  void reverseSwapsEverythingAndIcmpErrorsHaveNone() {
    ExactMatch m = match(TestFrames.udp(1, 2, 5353, 53));
    ExactMatch r = m.reverse().orElseThrow();
    assertThat(r.ethSrc()).isEqualTo(m.ethDst());
    assertThat(r.src()).isEqualTo(m.dst());
    assertThat(r.srcPort()).isEqualTo(53);
    assertThat(r.dstPort()).isEqualTo(5353);
    assertThat(r.reverse()).contains(m);
    assertThat(match(TestFrames.icmp(1, 2, 3, 3)).reverse()).isEmpty();
  }
}
