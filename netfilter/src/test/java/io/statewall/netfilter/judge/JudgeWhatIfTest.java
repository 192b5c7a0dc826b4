package io.statewall.netfilter.judge;

import static org.assertj.core.api.Assertions.assertThat;

import io.statewall.netfilter.conntrack.CtConfig;
import io.statewall.netfilter.conntrack.CtDirection;
import io.statewall.netfilter.conntrack.CtEntry;
import io.statewall.netfilter.conntrack.CtState;
import io.statewall.netfilter.conntrack.CtTuple;
import io.statewall.netfilter.conntrack.ShardedConnTracker;
import io.statewall.netfilter.packet.FrameBuilder;
import io.statewall.netfilter.packet.Packet;
import io.statewall.netfilter.packet.PacketParser;
import io.statewall.netfilter.policy.PathContext;
import io.statewall.netfilter.policy.Policy;
import io.statewall.netfilter.policy.PolicyHolder;
import io.statewall.netfilter.policy.PolicyLoader;
import io.statewall.netfilter.rules.ConnInfo;
import io.statewall.netfilter.rules.Verdict;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.InstantSource;
import java.util.List;
import java.util.function.BiConsumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Asking whether a connection may be offloaded, whether a policy would open or still carry it, what it
 * would answer next, or tracing a packet's walk, changes no match state: a token bucket, a recent list, an nth counter, a
 * hashlimit bucket and a connlimit list are what real packets alone move (session 4 found the offload
 * check taking tokens from {@code -m limit} with a made-up packet).
 */
class JudgeWhatIfTest {
  @TempDir Path dir;
  private final PacketParser parser = new PacketParser();

  /** A stateful match that lets exactly the first two packets to port 53 through. */
  static Stream<Arguments> twoThenDrop() {
    return Stream.of(
        Arguments.of("limit", "-m limit --limit 1/hour --limit-burst 2"),
        Arguments.of("recent", "-m recent --set --name dns"),
        Arguments.of("statistic nth", "-m statistic --mode nth ! --every 3 --packet 2"),
        Arguments.of("hashlimit", "-m hashlimit --hashlimit-upto 1/hour --hashlimit-burst 2 --hashlimit-name dns"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("twoThenDrop")
  void whatIfsLeaveStatefulMatchesAlone(String name, String match) throws Exception {
    // recent: a third packet finds two hits and is dropped; --update adds a hit whenever the address is listed
    String set = name.equals("recent") ? "-A INPUT -p udp --dport 53 -m recent --update --hitcount 2 --name dns -j DROP\n"
        : "";
    Files.writeString(dir.resolve("server.rules"), "*filter\n:INPUT DROP [0:0]\n:FORWARD ACCEPT [0:0]\n"
        + ":OUTPUT ACCEPT [0:0]\n" + set + "-A INPUT -p udp --dport 53 " + match + " -j ACCEPT\nCOMMIT\n");
    Policy policy = new PolicyLoader().load(Files.writeString(dir.resolve("policy.yaml"),
        "hosts:\n  - address: 10.0.0.1\n    rules: server.rules\n"));
    ShardedConnTracker tracker = new ShardedConnTracker(CtConfig.defaults(), InstantSource.system(), List.of());
    Judge judge = new Judge(new PolicyHolder(policy), tracker,
        (pol, p) -> new PathContext(pol.hostFor(p.src()), pol.hostFor(p.dst()), null, null));

    assertThat(send(judge, policy, "10.0.0.2", "10.0.0.1", 40000, 53)).as("first query").isEqualTo(Verdict.ACCEPT);
    assertThat(send(judge, policy, "10.0.0.1", "10.0.0.2", 53, 40000)).as("answer").isEqualTo(Verdict.ACCEPT);
    CtEntry e = tracker.entries().get(0);
    Packet query = parser.parse(FrameBuilder.ip("10.0.0.2", "10.0.0.1").udp(40000, 53).payload("q").build());
    CtTuple opened = CtTuple.ports("10.0.0.3", "10.0.0.1", Packet.PROTO_UDP, 41000, 53);
    List<BiConsumer<Judge, Policy>> whatIfs = List.of(
        (j, pol) -> assertThat(j.stillCarried(pol, e)).as("a per-packet match is never carried").isFalse(),
        (j, pol) -> j.opens(pol, opened),
        (j, pol) -> j.judgeEstablished(pol, e, CtDirection.ORIGINAL),
        (j, pol) -> pol.explain(query, new ConnInfo.Of(CtState.NEW, CtDirection.ORIGINAL, 0, null, null, null, null, 0,
            null), new PathContext(null, pol.hostFor(query.dst()), null, null)));
    for (int i = 0; i < 5; i++) {
      whatIfs.forEach(w -> w.accept(judge, policy));
    }
    assertThat(send(judge, policy, "10.0.0.2", "10.0.0.1", 40000, 53))
        .as("the second query still has its turn after 20 what-ifs").isEqualTo(Verdict.ACCEPT);
    assertThat(send(judge, policy, "10.0.0.2", "10.0.0.1", 40000, 53)).as("the third has not").isEqualTo(Verdict.DROP);
  }

  private Verdict send(Judge judge, Policy policy, String src, String dst, int sport, int dport) {
    Packet p = parser.parse(FrameBuilder.ip(src, dst).udp(sport, dport).payload("q").build());
    return judge.judge(p, new PathContext(policy.hostFor(p.src()), policy.hostFor(p.dst()), null, null)).verdict();
  }
}
