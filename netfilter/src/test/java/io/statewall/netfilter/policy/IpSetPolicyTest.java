package io.statewall.netfilter.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.statewall.netfilter.conntrack.CtDirection;
import io.statewall.netfilter.conntrack.CtState;
import io.statewall.netfilter.packet.Packet;
import io.statewall.netfilter.rules.Verdict;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code ipsets: [FILE]} in a policy: ipset save files read, named by -m set, decided as ip_set_test does. */
class IpSetPolicyTest {
  @TempDir Path dir;

  static final String SETS = """
      create bad hash:ip family inet hashsize 1024 maxelem 65536 timeout 600
      add bad 10.9.9.9 timeout 100
      create nets hash:net family inet hashsize 1024 maxelem 65536
      add nets 10.8.0.0/16
      add nets 10.8.1.0/24 nomatch
      create svc hash:ip,port family inet hashsize 1024 maxelem 65536
      add svc 10.0.0.1,tcp:22
      create low bitmap:port range 0-1023
      add low 25
      create any list:set size 8
      add any bad
      add any nets
      """;

  private Policy load(String rules) throws Exception {
    Files.writeString(dir.resolve("sets.ipset"), SETS);
    Files.writeString(dir.resolve("h.rules"), "*filter\n:INPUT DROP [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n"
        + rules + "\nCOMMIT\n");
    return new PolicyLoader().load(Files.writeString(dir.resolve("p.yaml"),
        "ipsets: [sets.ipset]\nhosts:\n  - address: 10.0.0.1\n    rules: h.rules\n"));
  }

  private static Verdict judge(Policy pol, String src, int sport, int dport) {
    Packet p = Packet.builder().addresses(src, "10.0.0.1").tcp(sport, dport, Packet.TCP_SYN).build();
    return pol.filter(p, PolicyTest.ct(p, CtState.NEW, CtDirection.ORIGINAL),
        new PathContext(pol.hostFor(p.src()), pol.hostFor(p.dst()), null, null)).verdict();
  }

  @Test
  void setsDecideAsTheKernelTestsThem() throws Exception {
    Policy pol = load(String.join("\n",
        "-A INPUT -m set --match-set any src -j DROP",
        "-A INPUT -m set --match-set svc dst,dst -j ACCEPT",
        "-A INPUT -m set --match-set low dst -j ACCEPT",
        "-A INPUT -m set --match-set nets src --return-nomatch -j ACCEPT"));
    assertThat(judge(pol, "10.9.9.9", 40000, 80)).as("listed address, via list:set").isEqualTo(Verdict.DROP);
    assertThat(judge(pol, "10.8.5.5", 40000, 80)).as("in a listed network").isEqualTo(Verdict.DROP);
    assertThat(judge(pol, "10.8.1.5", 40000, 22)).as("nomatch carve-out, then ip,port").isEqualTo(Verdict.ACCEPT);
    assertThat(judge(pol, "10.7.0.1", 40000, 25)).as("bitmap:port").isEqualTo(Verdict.ACCEPT);
    assertThat(judge(pol, "10.7.0.1", 40000, 80)).as("in no set: the policy").isEqualTo(Verdict.DROP);
    // --return-nomatch: the nomatch entry matches, the ordinary one does not (10.8.5.5 was dropped above)
    assertThat(judge(pol, "10.8.1.5", 40000, 80)).isEqualTo(Verdict.ACCEPT);
  }

  @Test
  void aSetThePolicyDoesNotNameIsALocatedError() {
    assertThatThrownBy(() -> load("-A INPUT -m set --match-set nosuch src -j DROP"))
        .hasMessageContaining("h.rules:5:").hasMessageContaining("Set nosuch doesn't exist");
  }

  @Test
  void aBadIpsetFileNamesFileAndLine() throws Exception {
    Files.writeString(dir.resolve("bad.ipset"), "create a hash:ip family inet\nadd a 10.0.0.300\n");
    Files.writeString(dir.resolve("h.rules"), "*filter\nCOMMIT\n");
    assertThatThrownBy(() -> new PolicyLoader().load(Files.writeString(dir.resolve("p.yaml"),
        "ipsets: [bad.ipset]\nhosts:\n  - address: 10.0.0.1\n    rules: h.rules\n")))
        .isInstanceOf(PolicyException.class).hasMessageContaining("bad.ipset:2:").hasMessageContaining("IPv4 address");
    Files.writeString(dir.resolve("bad.ipset"), "create a hash:mac\n");
    assertThatThrownBy(() -> new PolicyLoader().load(dir.resolve("p.yaml")))
        .hasMessageContaining("bad.ipset:1:").hasMessageContaining("a set type statewall reads");
  }

  @Test
  void counterComparisonsLoadButAreNotEnforced() throws Exception {
    assertThatThrownBy(() -> load("-A INPUT -m set --match-set bad src --packets-gt 3 -j DROP"))
        .hasMessageContaining("counters");
  }
}
