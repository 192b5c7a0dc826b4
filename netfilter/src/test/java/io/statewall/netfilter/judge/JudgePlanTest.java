package io.statewall.netfilter.judge;

import static org.assertj.core.api.Assertions.assertThat;

import io.statewall.netfilter.conntrack.CtConfig;
import io.statewall.netfilter.conntrack.CtDirection;
import io.statewall.netfilter.conntrack.CtState;
import io.statewall.netfilter.conntrack.ShardedConnTracker;
import io.statewall.netfilter.packet.FrameBuilder;
import io.statewall.netfilter.packet.Packet;
import io.statewall.netfilter.packet.PacketParser;
import io.statewall.netfilter.policy.PathContext;
import io.statewall.netfilter.policy.Policy;
import io.statewall.netfilter.policy.PolicyHolder;
import io.statewall.netfilter.policy.PolicyLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.InstantSource;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * What {@code Judge.plan} lets the switches carry. Issue 16: in OVS's default fragment mode every
 * non-first fragment has ports (and ICMP type and code) of 0, so only TCP and UDP entries, which
 * name ports, can never match one; every other protocol stays with the controller.
 */
class JudgePlanTest {
  /** Accepts everything, tracked: the rules never stand in the way of offloading. */
  static final String OPEN = """
      *filter
      :INPUT ACCEPT [0:0]
      :FORWARD ACCEPT [0:0]
      :OUTPUT ACCEPT [0:0]
      -A INPUT -m state --state ESTABLISHED -j ACCEPT
      COMMIT
      """;

  @TempDir Path dir;
  private Judge judge;
  private final PacketParser parser = new PacketParser();

  @BeforeEach
  void start() throws Exception {
    Files.writeString(dir.resolve("server.rules"), OPEN);
    Policy policy = new PolicyLoader().load(Files.writeString(dir.resolve("policy.yaml"),
        "hosts:\n  - address: 10.0.0.1\n    rules: server.rules\n"));
    ShardedConnTracker tracker = new ShardedConnTracker(CtConfig.defaults(), InstantSource.system(), List.of());
    judge = new Judge(new PolicyHolder(policy), tracker,
        (pol, p) -> new PathContext(pol.hostFor(p.src()), pol.hostFor(p.dst()), null, null));
  }

  private Judgement judge(byte[] frame) {
    Packet p = parser.parse(frame);
    return judge.judge(p, new PathContext(null, "10.0.0.1".equals(p.dst().toString()) ? "10.0.0.1" : null, null, null));
  }

  /** A request from 10.0.0.2 to the server and its reply, of IP protocol {@code proto}. */
  static Arguments exchange(String name, int proto, boolean offloaded) {
    FrameBuilder there = FrameBuilder.ip("10.0.0.2", "10.0.0.1");
    FrameBuilder back = FrameBuilder.ip("10.0.0.1", "10.0.0.2");
    switch (proto) {
      case Packet.PROTO_UDP -> {
        there.udp(40000, 53);
        back.udp(53, 40000);
      }
      default -> {
        there.protocol(proto);
        back.protocol(proto);
      }
    }
    byte[] body = new byte[24];
    return Arguments.of(name, there.payload(body).build(), back.payload(body).build(), offloaded);
  }

  static Stream<Arguments> exchanges() {
    return Stream.of(
        exchange("UDP with ports: carried", Packet.PROTO_UDP, true),
        exchange("GRE: every GRE fragment between the hosts would match", 47, false),
        exchange("ESP", 50, false),
        exchange("AH", 51, false),
        exchange("SCTP (generic tracking, no ports in the entry)", 132, false),
        exchange("an experimental protocol (253)", 253, false),
        Arguments.of("UDP from port 0 to port 0: what a fragment shows",
            FrameBuilder.ip("10.0.0.2", "10.0.0.1").udp(0, 0).payload("x").build(),
            FrameBuilder.ip("10.0.0.1", "10.0.0.2").udp(0, 0).payload("x").build(), false),
        Arguments.of("ICMP echo: the entry cannot match the id",
            FrameBuilder.ip("10.0.0.2", "10.0.0.1").echoRequest(7, 1).build(),
            FrameBuilder.ip("10.0.0.1", "10.0.0.2").echoReply(7, 1).build(), false));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("exchanges")
  void onlyEntriesThatCannotMatchAFragmentAreOffloaded(String name, byte[] request, byte[] reply, boolean offloaded) {
    assertThat(judge(request).accepted()).isTrue();
    Judgement j = judge(reply);
    assertThat(j.accepted()).as("the reply is accepted either way").isTrue();
    assertThat(j.state()).isEqualTo(CtState.ESTABLISHED);
    if (offloaded) {
      assertThat(j.install()).contains(CtDirection.ORIGINAL);
      assertThat(j.offloaded()).isNotNull();
    } else {
      assertThat(j.install()).as("directions the switches may carry").isEqualTo(Set.of());
      assertThat(j.offloaded()).isNull();
    }
  }

  @Test
  void aTcpConnectionPastItsHandshakeIsCarried() {
    judge(FrameBuilder.ip("10.0.0.2", "10.0.0.1").tcp(40000, 22, Packet.TCP_SYN).seq(1000).build());
    judge(FrameBuilder.ip("10.0.0.1", "10.0.0.2").tcp(22, 40000, Packet.TCP_SYN | Packet.TCP_ACK)
        .seq(5000).ack(1001).build());
    Judgement j = judge(FrameBuilder.ip("10.0.0.2", "10.0.0.1").tcp(40000, 22, Packet.TCP_ACK)
        .seq(1001).ack(5001).build());
    assertThat(j.install()).contains(CtDirection.ORIGINAL);
  }
}
