package io.statewall.bench;

import io.statewall.netfilter.packet.Family;
import io.statewall.netfilter.rules.RuleFileReader;
import io.statewall.netfilter.rules.RuleSet;
import io.statewall.netfilter.rules.RuleSyntaxException;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/** Time to read (parse, validate, canonicalise) a 100,000-line rule file. */
@State(Scope.Benchmark)
public class LoadBenchmark {
  String text;

  @Setup(Level.Trial)
  public void setup() {
    text = RealisticRules.filter(100_000, 1);
  }

  @Benchmark
  @BenchmarkMode(Mode.SingleShotTime)
  @OutputTimeUnit(TimeUnit.MILLISECONDS)
  public RuleSet load100kLines() throws RuleSyntaxException {
    return new RuleFileReader().parse("big.rules", text, Family.IPV4);
  }
}
