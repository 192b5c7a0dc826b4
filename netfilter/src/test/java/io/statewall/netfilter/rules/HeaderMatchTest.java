package io.statewall.netfilter.rules;

import static org.assertj.core.api.Assertions.assertThat;

import io.statewall.netfilter.conntrack.CtState;
import io.statewall.netfilter.packet.Family;
import io.statewall.netfilter.packet.Packet;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** -m ttl, -m hl and -m statistic decided as xt_hl and xt_statistic decide them, on both evaluators. */
class HeaderMatchTest {

  static Packet udp(int ttl) {
    return Packet.builder().addresses("10.0.0.1", "10.0.0.2").udp(40000, 53).ttl(ttl).build();
  }

  static Packet udp6(int hl) {
    return Packet.builder().addresses("fd00::1", "fd00::2").udp(40000, 53).ttl(hl).build();
  }

  static RuleTable table(Family fam, String... lines) throws RuleSyntaxException {
    String text = "*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n"
        + String.join("\n", lines) + "\nCOMMIT\n";
    return new RuleFileReader(() -> 0L).parse("h.rules", text, fam).table(TableName.FILTER);
  }

  static List<TableEvaluator> evaluators(RuleTable t) {
    return List.of(new LinearInterpreter(t), new CompiledTable(t));
  }

  static Stream<Arguments> ttlRows() {
    return Stream.of(
        Arguments.of("--ttl-eq 64 matches 64", Family.IPV4, "-m ttl --ttl-eq 64", 64, true),
        Arguments.of("--ttl-eq 64 not 63", Family.IPV4, "-m ttl --ttl-eq 64", 63, false),
        Arguments.of("! --ttl-eq 64 matches 63", Family.IPV4, "-m ttl ! --ttl-eq 64", 63, true),
        Arguments.of("! --ttl-eq 64 not 64", Family.IPV4, "-m ttl ! --ttl-eq 64", 64, false),
        Arguments.of("--ttl-lt 4 matches 3", Family.IPV4, "-m ttl --ttl-lt 4", 3, true),
        Arguments.of("--ttl-lt 4 not 4", Family.IPV4, "-m ttl --ttl-lt 4", 4, false),
        Arguments.of("--ttl-gt 127 matches 128", Family.IPV4, "-m ttl --ttl-gt 127", 128, true),
        Arguments.of("--ttl-gt 127 not 127", Family.IPV4, "-m ttl --ttl-gt 127", 127, false),
        Arguments.of("--ttl-lt 0 never", Family.IPV4, "-m ttl --ttl-lt 0", 0, false),
        Arguments.of("--hl-eq 255 matches 255", Family.IPV6, "-m hl --hl-eq 255", 255, true),
        Arguments.of("! --hl-eq 255 matches 254", Family.IPV6, "-m hl ! --hl-eq 255", 254, true),
        Arguments.of("--hl-lt 2 matches 1", Family.IPV6, "-m hl --hl-lt 2", 1, true),
        Arguments.of("--hl-gt 64 not 64", Family.IPV6, "-m hl --hl-gt 64", 64, false));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("ttlRows")
  void hopLimitComparisons(String name, Family fam, String match, int ttl, boolean drops) throws RuleSyntaxException {
    RuleTable t = table(fam, "-A INPUT " + match + " -j DROP");
    Packet p = fam == Family.IPV4 ? udp(ttl) : udp6(ttl);
    for (TableEvaluator ev : evaluators(t)) {
      Outcome o = ev.evaluate("INPUT", p, EvaluationTest.ct(CtState.NEW), Attachments.HOST);
      assertThat(o.verdict()).as(ev.getClass().getSimpleName()).isEqualTo(drops ? Verdict.DROP : Verdict.ACCEPT);
      // a connection's hop count is taken as constant: its entry may be offloaded
      assertThat(o.offloadable()).isTrue();
    }
  }

  /** xt_statistic's nth: the counter starts at every - packet, so packet p of every n is matched first. */
  @Test
  void nthMatchesEveryNthPacketStartingAtPacket() throws RuleSyntaxException {
    assertThat(nthDrops("-m statistic --mode nth --every 3 --packet 0", 7))
        .containsExactly(true, false, false, true, false, false, true);
    assertThat(nthDrops("-m statistic --mode nth --every 3 --packet 2", 7))
        .containsExactly(false, false, true, false, false, true, false);
    assertThat(nthDrops("-m statistic --mode nth ! --every 2 --packet 1", 4))
        .containsExactly(true, false, true, false);
    assertThat(nthDrops("-m statistic --mode nth --every 1 --packet 0", 3)).containsExactly(true, true, true);
  }

  private static List<Boolean> nthDrops(String match, int n) throws RuleSyntaxException {
    List<Boolean> out = null;
    for (int k = 0; k < 2; k++) {
      RuleTable t = table(Family.IPV4, "-A INPUT -p udp --dport 53 " + match + " -j DROP");
      TableEvaluator ev = k == 0 ? new LinearInterpreter(t) : new CompiledTable(t);
      List<Boolean> drops = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        Outcome o = ev.evaluate("INPUT", udp(64), EvaluationTest.ct(CtState.NEW), Attachments.HOST);
        drops.add(o.verdict() == Verdict.DROP);
        assertThat(o.offloadable()).as("a counted rule is per packet").isFalse();
      }
      if (out != null) {
        assertThat(drops).as("compiled agrees with linear").isEqualTo(out);
      }
      out = drops;
    }
    return out;
  }

  @Test
  void nthCountsOnlyPacketsThatReachIt() throws RuleSyntaxException {
    // the kernel counts a packet only when the rule's earlier parts matched (here: port 53)
    for (int k = 0; k < 2; k++) {
      // a table of its own per evaluator: the counter is the rule's
      RuleTable t = table(Family.IPV4, "-A INPUT -p udp --dport 53 -m statistic --mode nth --every 2 --packet 0 -j DROP");
      TableEvaluator ev = k == 0 ? new LinearInterpreter(t) : new CompiledTable(t);
      Packet other = Packet.builder().addresses("10.0.0.1", "10.0.0.2").udp(40000, 54).ttl(64).build();
      List<Verdict> v = new ArrayList<>();
      for (Packet p : List.of(udp(64), other, other, udp(64), udp(64))) {
        v.add(ev.evaluate("INPUT", p, EvaluationTest.ct(CtState.NEW), Attachments.HOST).verdict());
      }
      assertThat(v).containsExactly(Verdict.DROP, Verdict.ACCEPT, Verdict.ACCEPT, Verdict.ACCEPT, Verdict.DROP);
    }
  }

  @Test
  void randomModeFollowsItsProbability() throws RuleSyntaxException {
    assertThat(randomDrops("--probability 0", 2000)).isZero();
    assertThat(randomDrops("--probability 1", 2000)).isEqualTo(2000);
    assertThat(randomDrops("! --probability 1", 2000)).isZero();
    // 10,000 draws at 0.25: the binomial's standard deviation is about 43
    assertThat(randomDrops("--probability 0.25", 10_000)).isBetween(2250, 2750);
    assertThat(randomDrops("! --probability 0.25", 10_000)).isBetween(7250, 7750);
  }

  private static int randomDrops(String opts, int n) throws RuleSyntaxException {
    RuleTable t = table(Family.IPV4, "-A INPUT -m statistic --mode random " + opts + " -j DROP");
    TableEvaluator ev = new CompiledTable(t);
    int drops = 0;
    for (int i = 0; i < n; i++) {
      if (ev.evaluate("INPUT", udp(64), EvaluationTest.ct(CtState.NEW), Attachments.HOST).verdict() == Verdict.DROP) {
        drops++;
      }
    }
    return drops;
  }

  @Test
  void probabilityPrintsAsLibxtStatisticPrintsIt() throws RuleSyntaxException {
    assertThat(table(Family.IPV4, "-A INPUT -m statistic --mode random --probability 1e-3").chains().get(0).rules()
        .get(0).text()).isEqualTo("-A INPUT -m statistic --mode random --probability 0.00100000016");
  }
}
