package io.statewall.netfilter.rules;

import static org.assertj.core.api.Assertions.assertThat;

import io.statewall.netfilter.conntrack.CtState;
import io.statewall.netfilter.packet.Packet;
import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/** Per-rule counters as iptables -L -v keeps them, on both evaluators: every rule that matched, whatever its target. */
class RuleCountersTest {
  static final List<Function<RuleTable, TableEvaluator>> EVALUATORS = List.of(LinearInterpreter::new,
      CompiledTable::new);
  static final Packet SSH = Packet.builder().addresses("10.0.0.1", "10.0.0.2").tcp(40000, 22, 0x02).ipLength(60)
      .build();
  static final Packet WEB = Packet.builder().addresses("10.0.0.1", "10.0.0.2").tcp(40000, 80, 0x02).ipLength(100)
      .build();

  @Test
  void aRuleCountsEveryPacketItMatchedAndItsBytes() throws RuleSyntaxException {
    // INPUT: 0 LOG (all), 1 jump to a (ssh), 2 ACCEPT web, 3 never; a: 0 RETURN for web (never), 1 ACCEPT
    RuleTable t = EvaluationTest.table("-A INPUT -j LOG", "-A INPUT -p tcp --dport 22 -j a",
        "-A INPUT -p tcp --dport 80 -j ACCEPT", "-A INPUT -p udp -j DROP", "-A a -p tcp --dport 80 -j RETURN",
        "-A a -j ACCEPT");
    int input = t.chains().indexOf(t.chain("INPUT"));
    int a = t.chains().indexOf(t.chain("a"));
    for (Function<RuleTable, TableEvaluator> kind : EVALUATORS) {
      TableEvaluator ev = kind.apply(t);
      String name = ev.getClass().getSimpleName();
      ev.evaluate("INPUT", SSH, EvaluationTest.ct(CtState.NEW), Attachments.HOST, true);
      ev.evaluate("INPUT", SSH, EvaluationTest.ct(CtState.NEW), Attachments.HOST, true);
      ev.evaluate("INPUT", WEB, EvaluationTest.ct(CtState.NEW), Attachments.HOST, true);
      RuleCounters c = ev.counters();
      assertThat(c.packets(input, 0)).as(name).isEqualTo(3);
      assertThat(c.bytes(input, 0)).as(name).isEqualTo(220);
      assertThat(c.packets(input, 1)).as(name).isEqualTo(2);
      assertThat(c.packets(input, 2)).as(name).isEqualTo(1);
      assertThat(c.bytes(input, 2)).as(name).isEqualTo(100);
      assertThat(c.packets(input, 3)).as(name).isZero();
      assertThat(c.packets(a, 0)).as(name).isZero();
      assertThat(c.packets(a, 1)).as(name).isEqualTo(2);
      assertThat(c.bytes(a, 1)).as(name).isEqualTo(120);
    }
  }

  @Test
  void anEvaluationThatDoesNotCountLeavesTheCountersAlone() throws RuleSyntaxException {
    RuleTable t = EvaluationTest.table("-A INPUT -j ACCEPT");
    for (Function<RuleTable, TableEvaluator> kind : EVALUATORS) {
      TableEvaluator ev = kind.apply(t);
      Outcome o = ev.evaluate("INPUT", SSH, EvaluationTest.ct(CtState.NEW), Attachments.HOST);
      assertThat(o.verdict()).isEqualTo(Verdict.ACCEPT);
      assertThat(ev.counters().packets(0, 0)).isZero();
    }
  }
}
