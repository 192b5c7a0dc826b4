package io.statewall.bench;

import io.statewall.netfilter.conntrack.CtDirection;
import io.statewall.netfilter.conntrack.CtState;
import io.statewall.netfilter.packet.Family;
import io.statewall.netfilter.packet.Packet;
import io.statewall.netfilter.rules.Attachments;
import io.statewall.netfilter.rules.CompiledTable;
import io.statewall.netfilter.rules.ConnInfo;
import io.statewall.netfilter.rules.LinearInterpreter;
import io.statewall.netfilter.rules.Outcome;
import io.statewall.netfilter.rules.RuleFileReader;
import io.statewall.netfilter.rules.RuleSyntaxException;
import io.statewall.netfilter.rules.RuleTable;
import io.statewall.netfilter.rules.TableName;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * Verdicts per second on 10,000 realistic rules: the compiled classifier against the linear
 * interpreter in the same run, and the time to compile the table.
 */
@State(Scope.Thread)
public class ClassifierBenchmark {
  @Param("10000")
  int rules;

  RuleTable table;
  CompiledTable compiled;
  LinearInterpreter linear;
  Packet[] packets;
  ConnInfo[] conns;
  int next;

  @Setup(Level.Trial)
  public void setup() throws RuleSyntaxException {
    table = new RuleFileReader().parse("bench.rules", RealisticRules.filter(rules, 42), Family.IPV4)
        .table(TableName.FILTER);
    compiled = new CompiledTable(table);
    linear = new LinearInterpreter(table);
    packets = RealisticRules.packets(4096, 7);
    conns = new ConnInfo[packets.length];
    for (int i = 0; i < packets.length; i++) {
      Packet p = packets[i];
      conns[i] = new ConnInfo.Of(i % 10 == 0 ? CtState.ESTABLISHED : CtState.NEW, CtDirection.ORIGINAL, 0,
          p.src(), p.dst(), p.dst(), p.src(), p.protocol(), null);
    }
  }

  @Benchmark
  @BenchmarkMode(Mode.Throughput)
  @OutputTimeUnit(TimeUnit.SECONDS)
  public Outcome compiledVerdict() {
    int i = next++ & (packets.length - 1);
    return compiled.evaluate("INPUT", packets[i], conns[i], Attachments.HOST);
  }

  @Benchmark
  @BenchmarkMode(Mode.Throughput)
  @OutputTimeUnit(TimeUnit.SECONDS)
  public Outcome linearVerdict() {
    int i = next++ & (packets.length - 1);
    return linear.evaluate("INPUT", packets[i], conns[i], Attachments.HOST);
  }

  /** The bench's 1,000-rule FORWARD policy: ten user chains entered and returned from per SYN. */
  @State(Scope.Thread)
  public static class Chains {
    CompiledTable compiled;
    Packet[] syns;
    ConnInfo[] conns;
    int next;

    @Setup(Level.Trial)
    public void setup() throws RuleSyntaxException {
      compiled = new CompiledTable(new RuleFileReader()
          .parse("bench.rules", io.statewall.bench.BenchPolicy.forwardRules(1000, 42), Family.IPV4)
          .table(TableName.FILTER));
      syns = new Packet[4096];
      conns = new ConnInfo[syns.length];
      for (int i = 0; i < syns.length; i++) {
        syns[i] = Packet.builder().addresses(io.statewall.netfilter.packet.IpAddress.v4(0x0A000000 | (i * 7919 & 0xFFFFFF)),
            io.statewall.netfilter.packet.IpAddress.v4(0x0A000000 | (i * 104729 & 0xFFFFFF)))
            .tcp(1024 + i, 80, Packet.TCP_SYN).build();
        conns[i] = new ConnInfo.Of(CtState.NEW, CtDirection.ORIGINAL, 0, syns[i].src(), syns[i].dst(),
            syns[i].dst(), syns[i].src(), syns[i].protocol(), null);
      }
    }
  }

  @Benchmark
  @BenchmarkMode(Mode.Throughput)
  @OutputTimeUnit(TimeUnit.SECONDS)
  public Outcome chainsForwardVerdict(Chains c) {
    int i = c.next++ & (c.syns.length - 1);
    return c.compiled.evaluate("FORWARD", c.syns[i], c.conns[i], Attachments.HOST);
  }

  @Benchmark
  @BenchmarkMode(Mode.SingleShotTime)
  @OutputTimeUnit(TimeUnit.MILLISECONDS)
  public CompiledTable compile() {
    return new CompiledTable(table);
  }
}
