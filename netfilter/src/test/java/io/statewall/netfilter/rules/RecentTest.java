package io.statewall.netfilter.rules;

import static org.assertj.core.api.Assertions.assertThat;

import io.statewall.netfilter.conntrack.CtDirection;
import io.statewall.netfilter.conntrack.CtState;
import io.statewall.netfilter.packet.Family;
import io.statewall.netfilter.packet.Packet;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** xt_recent's semantics on both evaluators: one row a behaviour, as a timed sequence of packets. */
class RecentTest {
  private static final long SEC = 1_000_000_000L;

  /** One packet at a time (seconds since the start) and the verdict INPUT gives it. */
  record Step(long atSeconds, String src, String dst, int ttl, Verdict verdict) {}

  static Step s(long at, String src, Verdict v) {
    return new Step(at, src, "10.0.0.2", 64, v);
  }

  static Step s(long at, String src, String dst, int ttl, Verdict v) {
    return new Step(at, src, dst, ttl, v);
  }

  static final Verdict A = Verdict.ACCEPT;
  static final Verdict D = Verdict.DROP;

  record Row(String name, List<String> rules, List<Step> steps) {}

  static Row row(String name, List<String> rules, Step... steps) {
    return new Row(name, rules, List.of(steps));
  }

  static final List<String> UFW_LIMIT = List.of(
      "-A INPUT -p tcp --dport 22 -m recent --set",
      "-A INPUT -p tcp --dport 22 -m recent --update --seconds 30 --hitcount 3 -j DROP",
      "-A INPUT -p tcp --dport 22 -j ACCEPT");

  static Stream<Arguments> rows() {
    List<Step> many = new ArrayList<>();
    for (int i = 1; i <= 100; i++) {
      many.add(s(0, "10.1.0." + i, D));
    }
    many.add(s(1, "10.1.1.1", D));           // the 101st address evicts the oldest, 10.1.0.1
    many.add(s(2, "10.1.0.1", D));           // so it is unknown again (and, listed anew, evicts 10.1.0.2)
    many.add(s(2, "10.1.0.3", A));
    many.add(s(3, "10.1.0.2", D));
    return Stream.of(
        row("ufw limit: the third new connection within the window is dropped", UFW_LIMIT,
            s(0, "10.0.0.1", A), s(1, "10.0.0.1", A), s(2, "10.0.0.1", D), s(3, "10.0.0.1", D)),
        row("limit is per source address", UFW_LIMIT,
            s(0, "10.0.0.1", A), s(1, "10.0.0.1", A), s(2, "10.0.0.9", A), s(3, "10.0.0.9", A)),
        row("stamps older than --seconds do not count", UFW_LIMIT,
            s(0, "10.0.0.1", A), s(1, "10.0.0.1", A), s(40, "10.0.0.1", A), s(41, "10.0.0.1", A),
            s(42, "10.0.0.1", D)),
        row("--rcheck alone matches any listed address and adds nothing",
            List.of("-A INPUT -s 10.0.0.1 -m recent --set --name L", "-A INPUT -m recent --rcheck --name L -j ACCEPT"),
            s(0, "10.0.0.7", D), s(0, "10.0.0.1", A), s(1, "10.0.0.1", A)),
        row("--rcheck --hitcount counts stamps, not checks",
            List.of("-A INPUT -d 10.0.0.3 -m recent --set --name L",
                "-A INPUT -m recent --rcheck --hitcount 2 --name L -j ACCEPT"),
            s(0, "10.0.0.1", "10.0.0.3", 64, D), s(1, "10.0.0.1", D), s(2, "10.0.0.1", D),
            s(3, "10.0.0.1", "10.0.0.3", 64, A)),
        row("--update refreshes only when it matches: a banned source stays banned while it keeps trying",
            List.of("-A INPUT -m recent --update --seconds 10 --name BAN -j DROP",
                "-A INPUT -s 10.0.0.1 -m recent --set --name BAN -j DROP", "-A INPUT -j ACCEPT"),
            s(0, "10.0.0.1", D), s(8, "10.0.0.1", D), s(16, "10.0.0.1", D), s(27, "10.0.0.1", D)),
        row("--rcheck does not refresh: the ban ends --seconds after the last --set",
            List.of("-A INPUT -m recent --rcheck --seconds 10 --name BAN -j DROP",
                "-A INPUT -s 10.0.0.1 -d 10.0.0.3 -m recent --set --name BAN -j DROP", "-A INPUT -j ACCEPT"),
            s(0, "10.0.0.1", "10.0.0.3", 64, D), s(8, "10.0.0.1", D), s(11, "10.0.0.1", A)),
        row("--remove takes the address off the list",
            List.of("-A INPUT -d 10.0.0.5 -m recent --remove --name L -j ACCEPT",
                "-A INPUT -d 10.0.0.2 -m recent --rcheck --name L -j ACCEPT", "-A INPUT -d 10.0.0.3 -m recent --set --name L"),
            s(0, "10.0.0.1", "10.0.0.3", 64, D), s(1, "10.0.0.1", A), s(2, "10.0.0.1", "10.0.0.5", 64, A),
            s(3, "10.0.0.1", D)),
        row("--remove of an unlisted address does not match",
            List.of("-A INPUT -m recent --remove --name L -j ACCEPT"), s(0, "10.0.0.1", D)),
        row("--rdest lists destinations",
            List.of("-A INPUT -s 10.0.0.1 -m recent --set --rdest --name D",
                "-A INPUT -m recent --rcheck --rdest --name D -j ACCEPT"),
            s(0, "10.0.0.1", "10.0.0.4", 64, A), s(1, "10.0.0.8", "10.0.0.4", 64, A), s(2, "10.0.0.8", "10.0.0.6", 64, D)),
        row("--mask lists a whole network by its first address",
            List.of("-A INPUT -s 10.0.0.1 -m recent --set --name N --mask 255.255.255.0",
                "-A INPUT -m recent --rcheck --name N --mask 255.255.255.0 -j ACCEPT"),
            s(0, "10.0.0.1", A), s(1, "10.0.0.77", A), s(2, "10.0.1.77", D)),
        row("--rttl needs the TTL of the last update",
            List.of("-A INPUT -s 10.0.0.1 -d 10.0.0.3 -m recent --set --name T",
                "-A INPUT -m recent --rcheck --rttl --name T -j ACCEPT"),
            s(0, "10.0.0.1", "10.0.0.3", 60, A), s(1, "10.0.0.1", "10.0.0.2", 60, A), s(2, "10.0.0.1", "10.0.0.2", 61, D)),
        row("! inverts the test: unknown sources match",
            List.of("-A INPUT -m recent ! --rcheck --name L -j DROP", "-A INPUT -j ACCEPT"),
            s(0, "10.0.0.1", D)),
        row("! --set matches nothing but still lists",
            List.of("-A INPUT -m recent ! --set --name L -j DROP", "-A INPUT -m recent --rcheck --name L -j ACCEPT"),
            s(0, "10.0.0.1", A)),
        row("a list holds 100 addresses and evicts the least recently updated", List.of(
            "-A INPUT -m recent --rcheck --name L -j ACCEPT", "-A INPUT -s 10.1.0.0/16 -m recent --set --name L"),
            many.toArray(new Step[0])),
        row("--reap drops the stalest address once its newest stamp leaves the window", List.of(
            "-A INPUT -s 10.0.0.1 -d 10.0.0.3 -m recent --set --name P",
            "-A INPUT -m recent --rcheck --seconds 10 --reap --name P -j ACCEPT",
            "-A INPUT -m recent --rcheck --name P -j ACCEPT"),
            s(0, "10.0.0.1", "10.0.0.3", 64, A), s(20, "10.0.0.9", D), s(21, "10.0.0.1", D)),
        row("rules naming one list share it", List.of(
            "-A INPUT -s 10.0.0.1 -d 10.0.0.3 -m recent --set --name S",
            "-A INPUT -d 10.0.0.2 -m recent --rcheck --name S -j ACCEPT"),
            s(0, "10.0.0.1", "10.0.0.3", 64, D), s(1, "10.0.0.1", A), s(2, "10.0.0.2", D))
    ).map(r -> Arguments.of(r.name, r));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("rows")
  void recentFollowsXtRecent(String name, Row r) throws RuleSyntaxException {
    List<Function<RuleTable, TableEvaluator>> kinds = List.of(LinearInterpreter::new, CompiledTable::new);
    for (Function<RuleTable, TableEvaluator> kind : kinds) {
      AtomicLong now = new AtomicLong(1_000 * SEC);
      TableEvaluator ev = kind.apply(table(now, r.rules));
      long start = now.get();
      int i = 0;
      for (Step st : r.steps) {
        now.set(start + st.atSeconds * SEC);
        Packet p = Packet.builder().addresses(st.src, st.dst).tcp(40000, 22, Packet.TCP_SYN).ttl(st.ttl).build();
        Outcome o = ev.evaluate("INPUT", p, ct(p), Attachments.HOST);
        assertThat(o.verdict()).as("%s, step %d at %ds from %s", ev.getClass().getSimpleName(), i, st.atSeconds, st.src)
            .isEqualTo(st.verdict);
        assertThat(o.offloadable()).as("a recent rule on the walk").isFalse();
        i++;
      }
    }
  }

  @Test
  void eachRuleSetHasItsOwnLists() throws RuleSyntaxException {
    AtomicLong now = new AtomicLong();
    List<String> rules = List.of("-A INPUT -m recent --rcheck --name L -j ACCEPT", "-A INPUT -m recent --set --name L");
    RuleTable a = table(now, rules);
    RuleTable b = table(now, rules);
    Packet p = Packet.builder().addresses("10.0.0.1", "10.0.0.2").tcp(40000, 22, Packet.TCP_SYN).build();
    new CompiledTable(a).evaluate("INPUT", p, ct(p), Attachments.HOST);
    assertThat(new CompiledTable(a).evaluate("INPUT", p, ct(p), Attachments.HOST).verdict()).isEqualTo(A);
    assertThat(new CompiledTable(b).evaluate("INPUT", p, ct(p), Attachments.HOST).verdict()).isEqualTo(D);
  }

  @Test
  void aSetBeforeAPortMatchSeesEveryPacketInTheCompiledTable() throws RuleSyntaxException {
    AtomicLong now = new AtomicLong();
    RuleTable t = table(now, List.of("-A INPUT -m recent --set --name L -p tcp --dport 22 -j DROP",
        "-A INPUT -m recent --rcheck --name L -j ACCEPT"));
    Packet web = Packet.builder().addresses("10.0.0.1", "10.0.0.2").tcp(40000, 80, Packet.TCP_SYN).build();
    assertThat(new CompiledTable(t).evaluate("INPUT", web, ct(web), Attachments.HOST).verdict()).isEqualTo(A);
  }

  @Test
  void rulesWithoutRecentStayOffloadable() throws RuleSyntaxException {
    RuleTable t = table(new AtomicLong(), List.of("-A INPUT -p tcp --dport 80 -m recent --set --name L -j DROP",
        "-A INPUT -j ACCEPT"));
    Packet ssh = Packet.builder().addresses("10.0.0.1", "10.0.0.2").tcp(40000, 22, Packet.TCP_SYN).build();
    assertThat(new CompiledTable(t).evaluate("INPUT", ssh, ct(ssh), Attachments.HOST).offloadable()).isTrue();
  }

  static ConnInfo ct(Packet p) {
    return new ConnInfo.Of(CtState.NEW, CtDirection.ORIGINAL, 0, p.src(), p.dst(), p.dst(), p.src(), p.protocol(), null);
  }

  static RuleTable table(AtomicLong now, List<String> rules) throws RuleSyntaxException {
    String text = "*filter\n:INPUT DROP [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n"
        + String.join("\n", rules) + "\nCOMMIT\n";
    return new RuleFileReader(now::get).parse("recent.rules", text, Family.IPV4).table(TableName.FILTER);
  }
}
