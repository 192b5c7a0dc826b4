package io.statewall.bench;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import picocli.CommandLine;

/** The command line: options, the progress on stderr, the summary and the JSON last line. */
@Timeout(120) // a guard against hangs, not a performance assertion
class BenchCommandTest {
  private static final List<String> KEYS = List.of(
      "new_conn_per_s", "p50_us", "p99_us", "stub_new_conn_per_s", "switches", "rules",
      "tracked_connections", "live_heap_bytes", "alloc_bytes_per_conn", "timeouts", "dropped_packet_outs");

  private record Run(int exit, String out, String err) {
    JsonNode json() throws Exception {
      String[] lines = out.strip().split("\n");
      return new ObjectMapper().readTree(lines[lines.length - 1]);
    }
  }

  private static Run run(BenchCommand command, String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine cl = new CommandLine(command);
    cl.setOut(new PrintWriter(out));
    cl.setErr(new PrintWriter(err));
    int exit = cl.execute(args);
    return new Run(exit, out.toString(), err.toString());
  }

  @Test
  void withoutAnInProcessControllerMeasuresTheStubAndSaysSo() throws Exception {
    Run r = run(new BenchCommand(), "--switches", "2", "--seconds", "2", "--rules", "10");

    assertThat(r.exit()).as(r.err()).isZero();
    JsonNode json = r.json();
    assertThat(json.isObject()).isTrue();
    assertThat(json.fieldNames()).toIterable().containsExactlyElementsOf(KEYS);
    assertThat(json.get("new_conn_per_s").isNull()).isTrue();
    assertThat(json.get("stub_new_conn_per_s").asLong()).isPositive();
    assertThat(json.get("switches").asInt()).isEqualTo(2);
    assertThat(json.get("rules").asInt()).isEqualTo(10);
    assertThat(r.out()).contains("not wired yet");
    assertThat(r.err()).as("a progress line each second").contains("bench[stub]   1s");
  }

  @Test
  void measuresTheInProcessControllerNextToTheStub() throws Exception {
    List<Integer> rulesAsked = new ArrayList<>();
    List<Boolean> closed = new ArrayList<>();
    Supplier<InProcessController> inProcess = () -> new InProcessController() {
      private final StubController stand_in = new StubController(1);

      @Override
      public InetSocketAddress start(int rules, int workerThreads) throws Exception {
        rulesAsked.add(rules);
        return stand_in.start();
      }

      @Override
      public void close() {
        stand_in.close();
        closed.add(true);
      }
    };

    // the stand-in is a stub: one ingress flow-mod, no LLDP, so expect ingress and warm up briefly
    Run r = run(new BenchCommand(inProcess), "--switches", "2", "--seconds", "1", "--rules", "7",
        "--mode", "latency", "--expect-flows", "ingress", "--warmup", "1", "--ramp-up", "0");

    assertThat(r.exit()).as(r.err()).isZero();
    JsonNode json = r.json();
    assertThat(json.fieldNames()).toIterable().containsExactlyElementsOf(KEYS);
    assertThat(json.get("new_conn_per_s").asLong()).isPositive();
    assertThat(json.get("p50_us").isNumber()).isTrue();
    assertThat(json.get("p99_us").asDouble()).isGreaterThanOrEqualTo(json.get("p50_us").asDouble());
    assertThat(rulesAsked).containsExactly(7);
    assertThat(closed).containsExactly(true);
    assertThat(r.out()).contains("ratio to the stub");
  }

  @Test
  void anInProcessControllerThatFailsToStartIsAnError() {
    Supplier<InProcessController> broken = () -> new InProcessController() {
      @Override
      public InetSocketAddress start(int rules, int workerThreads) {
        throw new IllegalStateException("policy generator missing");
      }

      @Override
      public void close() {
      }
    };
    Run r = run(new BenchCommand(broken), "--switches", "2", "--seconds", "1", "--ramp-up", "0");
    assertThat(r.exit()).isEqualTo(1);
    assertThat(r.err()).contains("did not start").contains("policy generator missing");
    assertThat(r.out()).isEmpty();
  }

  @Test
  void measuresAnExternalControllerOnLoopback() throws Exception {
    try (StubController external = new StubController(1)) {
      InetSocketAddress a = external.start();
      Run r = run(new BenchCommand(), "--switches", "2", "--seconds", "1", "--of-version", "1.0",
          "--controller", "127.0.0.1:" + a.getPort(), "--expect-flows", "ingress", "--warmup", "1",
          "--ramp-up", "0");

      assertThat(r.exit()).as(r.err()).isZero();
      assertThat(r.json().get("new_conn_per_s").asLong()).isPositive();
    }
  }

  @Test
  void aControllerOffLoopbackIsRefusedBeforeAnyTraffic() {
    Run r = run(new BenchCommand(), "--controller", "192.0.2.1:6653");
    assertThat(r.exit()).isEqualTo(2);
    assertThat(r.err()).contains("loopback");
    assertThat(r.out()).isEmpty();
  }

  @Test
  void cbenchStyleSwitchesGetEveryPacketInAnsweredByTheStub() throws Exception {
    Run r = run(new BenchCommand(), "--emulate", "cbench", "--switches", "2", "--seconds", "1",
        "--ramp-up", "0", "--macs", "50");

    assertThat(r.exit()).as(r.err()).isZero();
    JsonNode json = r.json();
    assertThat(json.get("emulate").asText()).isEqualTo("cbench");
    assertThat(json.get("answers_per_s").isNull()).as("no controller wired").isTrue();
    long in = json.get("stub_packet_ins_per_s").asLong();
    long answers = json.get("stub_answers_per_s").asLong();
    assertThat(in).isPositive();
    // the window keeps sending only as answers come back: answers follow packet-ins closely
    assertThat(answers).isBetween(in / 2, in * 2);
    assertThat(json.get("macs_per_switch").asInt()).isEqualTo(50);
  }

  @Test
  void badOptionValuesAreUsageErrors() {
    assertThat(run(new BenchCommand(), "--emulate", "mininet").err()).contains("--emulate must be");
    assertThat(run(new BenchCommand(), "--emulate", "cbench", "--macs", "0").err()).contains("MACs per switch");
    assertThat(run(new BenchCommand(), "--mode", "fast").err()).contains("--mode must be one of");
    assertThat(run(new BenchCommand(), "--of-version", "1.4").exit()).isEqualTo(2);
    assertThat(run(new BenchCommand(), "--switches", "1").err()).contains("switches must be");
    assertThat(run(new BenchCommand(), "--controller", "localhost").err()).contains("HOST:PORT");
    assertThat(run(new BenchCommand(), "--controllers", "127.0.0.1:6653,192.0.2.1:6653").err()).contains("loopback");
    assertThat(run(new BenchCommand(), "--controllers", "127.0.0.1:6653,127.0.0.1:6653").err()).contains("twice");
    assertThat(run(new BenchCommand(), "--path-switches", "3").err()).contains("--path-switches must be 1 or 2");
    assertThat(run(new BenchCommand(), "--controller", "127.0.0.1:6653", "--kill-pids", "1").err())
        .contains("two or more controllers");
    assertThat(run(new BenchCommand(), "--controllers", "127.0.0.1:6653,127.0.0.1:6654", "--kill-pids", "1").err())
        .contains("one pid per controller");
    assertThat(run(new BenchCommand(), "--controllers", "127.0.0.1:6653,127.0.0.1:6654", "--kill-pids", "1,x").err())
        .contains("process ids");
    assertThat(run(new BenchCommand(), "--controllers", "127.0.0.1:6653,127.0.0.1:6654", "--kill-pids", "1,2",
        "--seconds", "5", "--kill-after", "5").err()).contains("--kill-after must be");
  }

  @Test
  void writesTheBenchPolicyForARunningController(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
      throws Exception {
    Run r = run(new BenchCommand(), "--write-policy", dir.resolve("p").toString(), "--rules", "100");
    assertThat(r.exit()).as(r.err()).isZero();
    java.nio.file.Path policy = java.nio.file.Path.of(r.out().strip());
    assertThat(policy).isEqualTo(dir.resolve("p").resolve("policy.yaml"));
    assertThat(java.nio.file.Files.readString(policy.resolveSibling("network.rules")))
        .isEqualTo(BenchPolicy.forwardRules(100, BenchPolicy.SEED));
  }

  @Test
  void aControllerThatDiesMidRunIsAnErrorWithNoJson() throws Exception {
    try (StubController external = new StubController(1)) {
      InetSocketAddress a = external.start();
      try (Proxy proxy = new Proxy(a, 4096, null)) {
        Run r = run(new BenchCommand(), "--switches", "2", "--seconds", "5",
            "--controller", "127.0.0.1:" + proxy.address().getPort(), "--expect-flows", "ingress",
            "--warmup", "1");
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.err()).contains("closed the connection");
        assertThat(r.out()).doesNotContain("{");
      }
    }
  }
}
