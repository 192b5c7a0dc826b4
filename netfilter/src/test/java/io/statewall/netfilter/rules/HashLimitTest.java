package io.statewall.netfilter.rules;

import static org.assertj.core.api.Assertions.assertThat;

import io.statewall.netfilter.conntrack.CtState;
import io.statewall.netfilter.packet.Family;
import io.statewall.netfilter.packet.Packet;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** xt_hashlimit's buckets over a fake clock: refill, per-key buckets, shared tables, bounds. */
class HashLimitTest {
  private final AtomicLong now = new AtomicLong(1_000_000_000L);

  private RuleSet rules(String... lines) throws RuleSyntaxException {
    String text = "*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n"
        + String.join("\n", lines) + "\nCOMMIT\n";
    return new RuleFileReader(now::get).parse("h.rules", text, Family.IPV4);
  }

  private static Packet from(String src, int sport) {
    return Packet.builder().addresses(src, "10.0.0.2").udp(sport, 53).ttl(64).ipLength(60).build();
  }

  private static List<Verdict> send(TableEvaluator ev, Packet p, int n) {
    List<Verdict> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      out.add(ev.evaluate("INPUT", p, EvaluationTest.ct(CtState.NEW), Attachments.HOST).verdict());
    }
    return out;
  }

  @Test
  void aBurstThenOnePacketPerPeriodPerKey() throws RuleSyntaxException {
    TableEvaluator ev = new CompiledTable(rules("-A INPUT -m hashlimit --hashlimit-upto 2/sec --hashlimit-burst 3 "
        + "--hashlimit-mode srcip --hashlimit-name a -j ACCEPT", "-A INPUT -j DROP").table(TableName.FILTER));
    assertThat(send(ev, from("10.0.0.1", 1), 4)).containsExactly(Verdict.ACCEPT, Verdict.ACCEPT, Verdict.ACCEPT,
        Verdict.DROP);
    // another source has its own bucket
    assertThat(send(ev, from("10.0.0.9", 1), 1)).containsExactly(Verdict.ACCEPT);
    // half a second earns one packet at 2/sec
    now.addAndGet(500_000_000L);
    assertThat(send(ev, from("10.0.0.1", 2), 2)).containsExactly(Verdict.ACCEPT, Verdict.DROP);
    // a long pause refills to the burst, not beyond
    now.addAndGet(3600_000_000_000L);
    assertThat(send(ev, from("10.0.0.1", 3), 4)).containsExactly(Verdict.ACCEPT, Verdict.ACCEPT, Verdict.ACCEPT,
        Verdict.DROP);
  }

  @Test
  void rulesNamingOneTableShareItsBuckets() throws RuleSyntaxException {
    RuleSet set = rules("-A INPUT -p udp --sport 1 -m hashlimit --hashlimit-upto 1/min --hashlimit-burst 2 "
            + "--hashlimit-mode srcip --hashlimit-name shared -j ACCEPT",
        "-A INPUT -p udp --sport 2 -m hashlimit --hashlimit-upto 1/min --hashlimit-burst 2 "
            + "--hashlimit-mode srcip --hashlimit-name shared -j ACCEPT", "-A INPUT -j DROP");
    TableEvaluator ev = new LinearInterpreter(set.table(TableName.FILTER));
    assertThat(send(ev, from("10.0.0.1", 1), 1)).containsExactly(Verdict.ACCEPT);
    assertThat(send(ev, from("10.0.0.1", 2), 2)).containsExactly(Verdict.ACCEPT, Verdict.DROP);
  }

  @Test
  void theTableIsBoundedAndIdleKeysExpire() throws RuleSyntaxException {
    RuleSet set = rules("-A INPUT -m hashlimit --hashlimit-upto 10/sec --hashlimit-mode srcip,srcport "
        + "--hashlimit-name small --hashlimit-htable-max 100 --hashlimit-htable-expire 2000 -j ACCEPT", "-A INPUT -j DROP");
    TableEvaluator ev = new CompiledTable(set.table(TableName.FILTER));
    HashLimitMatch m = (HashLimitMatch) set.table(TableName.FILTER).chains().get(0).rules().get(0).matches().get(0);
    for (int i = 0; i < 150; i++) {
      Verdict v = send(ev, from("10.0.0.1", 1000 + i), 1).get(0);
      // a new key in a full table: the kernel drops the packet; here the match says "over the limit"
      assertThat(v).as("key " + i).isEqualTo(i < 100 ? Verdict.ACCEPT : Verdict.DROP);
    }
    assertThat(m.table().size()).isEqualTo(100);
    now.addAndGet(3_000_000_000L);
    assertThat(send(ev, from("10.0.0.1", 5000), 1)).containsExactly(Verdict.ACCEPT);
    assertThat(m.table().size()).as("idle keys collected").isEqualTo(1);
  }

  @Test
  void aByteRateCountsSixteenByteChunks() throws RuleSyntaxException {
    TableEvaluator ev = new CompiledTable(rules("-A INPUT -m hashlimit --hashlimit-upto 1kb/s --hashlimit-name b "
        + "-j ACCEPT", "-A INPUT -j DROP").table(TableName.FILTER));
    Packet big = Packet.builder().addresses("10.0.0.1", "10.0.0.2").udp(1, 53).ipLength(600).build();
    // one second's worth (1024 bytes) without a burst: one 600-byte packet, not two
    assertThat(send(ev, big, 2)).containsExactly(Verdict.ACCEPT, Verdict.DROP);
    now.addAndGet(1_000_000_000L);
    assertThat(send(ev, big, 1)).containsExactly(Verdict.ACCEPT);
  }
}
