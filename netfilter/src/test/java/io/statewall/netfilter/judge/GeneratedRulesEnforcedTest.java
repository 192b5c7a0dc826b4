package io.statewall.netfilter.judge;

import static org.assertj.core.api.Assertions.assertThat;

import io.statewall.netfilter.conntrack.CtConfig;
import io.statewall.netfilter.conntrack.ShardedConnTracker;
import io.statewall.netfilter.packet.FrameBuilder;
import io.statewall.netfilter.packet.Packet;
import io.statewall.netfilter.packet.PacketParser;
import io.statewall.netfilter.policy.PathContext;
import io.statewall.netfilter.policy.Policy;
import io.statewall.netfilter.policy.PolicyHolder;
import io.statewall.netfilter.policy.PolicyLoader;
import io.statewall.netfilter.rules.Verdict;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Real tools' output is enforced, not only printed: a policy whose host has ufw 0.36's generated rules
 * (corpus good/ufw-generated.rules{,6}) loads, and the judge gives the verdicts Linux 6.18 gave to the
 * same frames in MatchKernelDifferentialTest's ufw scenario; fail2ban 1.0.2's bans (iptables-multiport,
 * iptables-allports, iptables-ipset-proto6) likewise.
 */
class GeneratedRulesEnforcedTest {
  static final String CORPUS = "../netfilter/src/test/resources/io/statewall/netfilter/rules/corpus/good/";
  static final long MAC_A = 0x0200_0000_0001L;
  static final long MAC_B = 0x0200_0000_0002L;
  static final long BROADCAST_MAC = 0xFFFF_FFFF_FFFFL;

  @Test
  void ufwLimitAllowAndDefaultDenyAsLinux(@TempDir Path dir) throws Exception {
    Files.copy(Path.of(CORPUS, "ufw-generated.rules"), dir.resolve("b.rules"));
    Files.copy(Path.of(CORPUS, "ufw-generated.rules6"), dir.resolve("b.rules6"));
    Policy policy = new PolicyLoader().load(Files.writeString(dir.resolve("policy.yaml"),
        "hosts:\n  - address: [10.9.0.2, fd00:9::2]\n    rules: b.rules\n    rules6: b.rules6\n"));
    assertThat(policy.warnings()).isEmpty();
    ShardedConnTracker tracker = new ShardedConnTracker(CtConfig.defaults(), InstantSource.system(), List.of());
    Judge judge = new Judge(new PolicyHolder(policy), tracker,
        (pol, p) -> new PathContext(pol.hostFor(p.src()), pol.hostFor(p.dst()), null, null));
    PacketParser parser = new PacketParser();
    String b = policy.hostFor(io.statewall.netfilter.packet.IpAddress.parse("10.9.0.2"));

    List<Verdict> ssh = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      ssh.add(judge.judge(parser.parse(toB().tcp(50000 + i, 22, Packet.TCP_SYN).seq(1000).build()),
          new PathContext(null, b, null, null)).verdict());
    }
    assertThat(ssh).as("ufw limit 22/tcp: the sixth new connection in 30 s is refused").containsExactly(
        Verdict.ACCEPT, Verdict.ACCEPT, Verdict.ACCEPT, Verdict.ACCEPT, Verdict.ACCEPT,
        Verdict.REJECT, Verdict.REJECT, Verdict.REJECT);
    assertThat(verdict(judge, parser, b, toB().tcp(50100, 80, Packet.TCP_SYN).seq(1000).build()))
        .as("ufw allow 80/tcp").isEqualTo(Verdict.ACCEPT);
    assertThat(verdict(judge, parser, b, toB().tcp(50101, 23, Packet.TCP_SYN).seq(1000).build()))
        .as("default deny").isEqualTo(Verdict.DROP);
    assertThat(verdict(judge, parser, b, toB().echoRequest(7, 1).build())).as("ping").isEqualTo(Verdict.ACCEPT);
    assertThat(verdict(judge, parser, b, FrameBuilder.ip("10.9.0.1", "10.9.0.255").macs(MAC_A, BROADCAST_MAC)
        .udp(49000, 9999).payload("x").build())).as("ufw-after-input: broadcast to the policy").isEqualTo(Verdict.DROP);
    assertThat(verdict(judge, parser, b, FrameBuilder.ip("10.9.0.1", "255.255.255.255").macs(MAC_A, BROADCAST_MAC)
        .udp(67, 68).payload("d").build())).as("DHCP reply").isEqualTo(Verdict.ACCEPT);
    assertThat(verdict(judge, parser, b, FrameBuilder.ip("fd00:9::1", "fd00:9::2").macs(MAC_A, MAC_B)
        .tcp(50200, 80, Packet.TCP_SYN).seq(1000).build())).as("ufw allow 80/tcp, IPv6").isEqualTo(Verdict.ACCEPT);
    assertThat(verdict(judge, parser, b, FrameBuilder.ip("fd00:9::1", "fd00:9::2").macs(MAC_A, MAC_B)
        .tcp(50201, 23, Packet.TCP_SYN).seq(1000).build())).as("default deny, IPv6").isEqualTo(Verdict.DROP);
  }

  @Test
  void fail2banBansAreEnforced(@TempDir Path dir) throws Exception {
    Files.copy(Path.of(CORPUS, "fail2ban-generated.rules"), dir.resolve("b.rules"));
    Files.copy(Path.of(CORPUS, "fail2ban-generated.rules6"), dir.resolve("b.rules6"));
    Files.copy(Path.of(CORPUS, "../../ipsets/corpus.ipset"), dir.resolve("sets.ipset"));
    Policy policy = new PolicyLoader().load(Files.writeString(dir.resolve("policy.yaml"),
        "ipsets: [sets.ipset]\nhosts:\n  - address: [10.9.0.2, fd00:9::2]\n    rules: b.rules\n    rules6: b.rules6\n"));
    ShardedConnTracker tracker = new ShardedConnTracker(CtConfig.defaults(), InstantSource.system(), List.of());
    Judge judge = new Judge(new PolicyHolder(policy), tracker,
        (pol, p) -> new PathContext(pol.hostFor(p.src()), pol.hostFor(p.dst()), null, null));
    PacketParser parser = new PacketParser();
    String b = policy.hostFor(io.statewall.netfilter.packet.IpAddress.parse("10.9.0.2"));
    assertThat(verdict(judge, parser, b, syn("192.0.2.10", "10.9.0.2", 22))).as("banned by sshd").isEqualTo(Verdict.REJECT);
    assertThat(verdict(judge, parser, b, syn("192.0.2.10", "10.9.0.2", 443))).as("banned by all (every TCP port)")
        .isEqualTo(Verdict.REJECT);
    assertThat(verdict(judge, parser, b, syn("192.0.2.11", "10.9.0.2", 22))).as("not banned").isEqualTo(Verdict.ACCEPT);
    assertThat(verdict(judge, parser, b, syn("2001:db8::10", "fd00:9::2", 22))).as("in the sshd6 ipset")
        .isEqualTo(Verdict.REJECT);
    assertThat(verdict(judge, parser, b, syn("2001:db8::11", "fd00:9::2", 22))).as("banned by sshd on IPv6")
        .isEqualTo(Verdict.REJECT);
    assertThat(verdict(judge, parser, b, syn("2001:db8::12", "fd00:9::2", 22))).as("not banned, IPv6")
        .isEqualTo(Verdict.ACCEPT);
  }

  private static byte[] syn(String src, String dst, int dport) {
    return FrameBuilder.ip(src, dst).macs(MAC_A, MAC_B).tcp(50300, dport, Packet.TCP_SYN).seq(1000).build();
  }

  private static FrameBuilder toB() {
    return FrameBuilder.ip("10.9.0.1", "10.9.0.2").macs(MAC_A, MAC_B);
  }

  private static Verdict verdict(Judge judge, PacketParser parser, String host, byte[] frame) {
    return judge.judge(parser.parse(frame), new PathContext(null, host, null, null)).verdict();
  }
}
