package io.statewall.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.statewall.netfilter.conntrack.CtDirection;
import io.statewall.netfilter.conntrack.CtState;
import io.statewall.netfilter.packet.IpAddress;
import io.statewall.netfilter.packet.Packet;
import io.statewall.netfilter.policy.FilterDecision;
import io.statewall.netfilter.policy.PathContext;
import io.statewall.netfilter.policy.Policy;
import io.statewall.netfilter.policy.SwitchPort;
import io.statewall.netfilter.rules.ConnInfo;
import io.statewall.netfilter.rules.Verdict;
import io.statewall.netfilter.policy.PolicyLoader;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The bench's generated policy loads, has the size asked for, and is walked to its end by bench traffic. */
class BenchPolicyTest {

  @Test
  void hasTheRequestedNumberOfRules() {
    for (int n : new int[] {4, 10, 100, 1000, 5000}) {
      String rules = BenchPolicy.forwardRules(n, 7);
      long count = rules.lines().filter(l -> l.startsWith("-A ")).count();
      assertThat(count).as("rules for n=%d", n).isEqualTo(n);
    }
  }

  @Test
  void acceptsBenchTrafficOnlyAtTheRuleBeforeTheLast() {
    String rules = BenchPolicy.forwardRules(1000, 7);
    String[] lines = rules.lines().filter(l -> l.startsWith("-A ")).toArray(String[]::new);
    assertThat(lines[lines.length - 2]).contains("--dport 80").contains("-d 10.0.0.0/8").contains("NEW");
    // no earlier rule names the bench's addresses as a source or its port as a destination
    for (int i = 0; i < lines.length - 2; i++) {
      assertThat(lines[i]).doesNotContain("-s 10.").doesNotContain("--dport 80 ");
    }
  }

  @Test
  void aBenchSynWalksTheRulesAndIsAcceptedByTheRuleBeforeTheLast(@TempDir Path dir) throws Exception {
    Policy pol = new PolicyLoader().load(BenchPolicy.write(dir, 1000, 7));
    EmulatedNetwork net = new EmulatedNetwork(16, 4);
    Packet syn = Packet.builder()
        .addresses(IpAddress.v4(net.hostIp(3, 1)), IpAddress.v4(net.hostIp(4, 2)))
        .tcp(40000, 80, Packet.TCP_SYN).build();
    ConnInfo ct = new ConnInfo.Of(CtState.NEW, CtDirection.ORIGINAL, 0, syn.src(), syn.dst(), null,
        null, syn.protocol(), null);
    PathContext path = new PathContext(null, null, new SwitchPort("3", "s3", 1),
        new SwitchPort("4", "s4", 2));

    FilterDecision f = pol.filter(syn, ct, path);

    assertThat(f.verdict()).isEqualTo(Verdict.ACCEPT);
    long linesBefore = BenchPolicy.forwardRules(1000, 7).lines().count();
    // the accepting rule is the last but one of the file (before the REJECT and COMMIT lines)
    assertThat(f.decidedBy().line()).isEqualTo((int) linesBefore - 2);
  }

  @Test
  void refusesTooFewRules() {
    assertThatThrownBy(() -> BenchPolicy.forwardRules(3, 1)).isInstanceOf(IllegalArgumentException.class);
  }
}
