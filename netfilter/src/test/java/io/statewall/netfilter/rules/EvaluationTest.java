package io.statewall.netfilter.rules;

import static org.assertj.core.api.Assertions.assertThat;

import io.statewall.netfilter.conntrack.CtDirection;
import io.statewall.netfilter.conntrack.CtState;
import io.statewall.netfilter.packet.Family;
import io.statewall.netfilter.packet.Packet;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Netfilter's walk semantics, checked on both evaluators. */
class EvaluationTest {

  private static final Packet SSH_SYN = Packet.builder().addresses("10.0.0.1", "10.0.0.2").tcp(40000, 22, 0x02).build();
  private static final Packet SSH_ACK = Packet.builder().addresses("10.0.0.1", "10.0.0.2").tcp(40000, 22, 0x10).build();
  private static final Packet WEB = Packet.builder().addresses("10.0.0.1", "10.0.0.2").tcp(40000, 80, 0x10).build();

  static ConnInfo ct(CtState s) {
    return new ConnInfo.Of(s, CtDirection.ORIGINAL, 0, SSH_SYN.src(), SSH_SYN.dst(), SSH_SYN.dst(), SSH_SYN.src(), 6, null);
  }

  static RuleTable table(String... lines) throws RuleSyntaxException {
    String text = "*filter\n:INPUT DROP [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n:a - [0:0]\n:b - [0:0]\n"
        + String.join("\n", lines) + "\nCOMMIT\n";
    return new RuleFileReader(() -> 0L).parse("e.rules", text, Family.IPV4).table(TableName.FILTER);
  }

  record Row(String name, String[] rules, Packet p, CtState state, Verdict verdict, int line, boolean offloadable) {}

  static Stream<Arguments> rows() {
    return Stream.of(
        new Row("first terminal verdict wins", new String[] {"-A INPUT -p tcp --dport 22 -j ACCEPT", "-A INPUT -j REJECT"},
            SSH_SYN, CtState.NEW, Verdict.ACCEPT, 7, true),
        new Row("policy decides at the end", new String[] {"-A INPUT -p tcp --dport 80 -j ACCEPT"},
            SSH_SYN, CtState.NEW, Verdict.DROP, 0, true),
        new Row("RETURN from a jump continues after the jump", new String[] {"-A INPUT -j a", "-A INPUT -j ACCEPT",
            "-A a -j RETURN", "-A a -j DROP"}, SSH_SYN, CtState.NEW, Verdict.ACCEPT, 8, true),
        new Row("goto does not come back: falling off the end is the caller's caller", new String[] {"-A INPUT -j a",
            "-A INPUT -j REJECT", "-A a -g b", "-A a -j DROP", "-A b -p udp -j DROP"}, SSH_SYN, CtState.NEW, Verdict.REJECT, 8, true),
        new Row("goto from the built-in chain ends at its policy", new String[] {"-A INPUT -g a", "-A INPUT -j ACCEPT"},
            SSH_SYN, CtState.NEW, Verdict.DROP, 0, true),
        new Row("RETURN in the built-in chain is its policy", new String[] {"-A INPUT -j RETURN", "-A INPUT -j ACCEPT"},
            SSH_SYN, CtState.NEW, Verdict.DROP, 0, true),
        new Row("state decides", new String[] {"-A INPUT -m state --state ESTABLISHED -j ACCEPT"},
            SSH_ACK, CtState.ESTABLISHED, Verdict.ACCEPT, 7, true),
        new Row("-i lo never matches", new String[] {"-A INPUT -i lo -j ACCEPT"}, SSH_SYN, CtState.NEW, Verdict.DROP, 0, true),
        new Row("other interface names are the host's attachment", new String[] {"-A INPUT -i eth0 -j ACCEPT"},
            SSH_SYN, CtState.NEW, Verdict.ACCEPT, 7, true),
        new Row("a TCP flag test on the path stops offload", new String[] {"-A INPUT -p tcp --syn -j DROP",
            "-A INPUT -j ACCEPT"}, SSH_ACK, CtState.NEW, Verdict.ACCEPT, 8, false),
        new Row("a flag rule for another port does not stop offload", new String[] {"-A INPUT -p tcp --dport 80 --syn -j DROP",
            "-A INPUT -j ACCEPT"}, SSH_ACK, CtState.NEW, Verdict.ACCEPT, 8, true),
        new Row("a length rule after the verdict does not matter", new String[] {"-A INPUT -j ACCEPT",
            "-A INPUT -m length --length 0:100 -j DROP"}, WEB, CtState.NEW, Verdict.ACCEPT, 7, true),
        new Row("a length rule before it does", new String[] {"-A INPUT -m length --length 0:10 -j DROP",
            "-A INPUT -j ACCEPT"}, WEB, CtState.NEW, Verdict.ACCEPT, 8, false),
        new Row("LOG continues", new String[] {"-A INPUT -j LOG --log-prefix x", "-A INPUT -j ACCEPT"},
            WEB, CtState.NEW, Verdict.ACCEPT, 8, true)
    ).map(r -> Arguments.of(r.name, r));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("rows")
  void bothEvaluatorsFollowNetfilter(String name, Row r) throws RuleSyntaxException {
    RuleTable t = table(r.rules);
    for (TableEvaluator ev : new TableEvaluator[] {new LinearInterpreter(t), new CompiledTable(t)}) {
      Outcome o = ev.evaluate("INPUT", r.p, ct(r.state), Attachments.HOST);
      assertThat(o.verdict()).as(ev.getClass().getSimpleName()).isEqualTo(r.verdict);
      assertThat(o.rule() == null ? 0 : o.rule().line()).isEqualTo(r.line);
      assertThat(o.offloadable()).isEqualTo(r.offloadable);
    }
  }

  @Test
  void logsAndRejectDetailsAreReported() throws RuleSyntaxException {
    RuleTable t = table("-A INPUT -j LOG --log-prefix \"in: \" --log-level 6", "-A INPUT -p tcp -j REJECT --reject-with tcp-reset");
    Outcome o = new CompiledTable(t).evaluate("INPUT", WEB, ct(CtState.NEW), Attachments.HOST);
    assertThat(o.verdict()).isEqualTo(Verdict.REJECT);
    assertThat(o.rejectWith()).isEqualTo("tcp-reset");
    assertThat(o.logs()).extracting(LogRecord::prefix, LogRecord::level).containsExactly(org.assertj.core.groups.Tuple.tuple("in: ", 6));
  }

  @Test
  void limitFollowsItsTokenBucket() throws RuleSyntaxException {
    AtomicLong now = new AtomicLong();
    RuleSet set = new RuleFileReader(now::get).parse("l.rules",
        "*filter\n:INPUT DROP [0:0]\n-A INPUT -m limit --limit 1/sec --limit-burst 2 -j ACCEPT\nCOMMIT\n", Family.IPV4);
    LinearInterpreter ev = new LinearInterpreter(set.table(TableName.FILTER));
    Verdict[] seen = new Verdict[4];
    for (int i = 0; i < 3; i++) {
      seen[i] = ev.evaluate("INPUT", WEB, ct(CtState.NEW), Attachments.HOST).verdict();
    }
    now.addAndGet(1_000_000_000L);
    seen[3] = ev.evaluate("INPUT", WEB, ct(CtState.NEW), Attachments.HOST).verdict();
    assertThat(seen).containsExactly(Verdict.ACCEPT, Verdict.ACCEPT, Verdict.DROP, Verdict.ACCEPT);
  }

  @Test
  void rawTableStateMatchSeesInvalidBeforeConntrack() throws RuleSyntaxException {
    RuleSet set = new RuleFileReader().parse("r.rules", "*raw\n:PREROUTING ACCEPT [0:0]\n"
        + "-A PREROUTING -m state --state NEW -j DROP\n-A PREROUTING -m state --state INVALID -j CT --notrack\nCOMMIT\n", Family.IPV4);
    Outcome o = new CompiledTable(set.table(TableName.RAW)).evaluate("PREROUTING", SSH_SYN, ConnInfo.NOT_TRACKED_YET, Attachments.HOST);
    assertThat(o.verdict()).isEqualTo(Verdict.ACCEPT);
    assertThat(o.ct().notrack()).isTrue();
  }
}
