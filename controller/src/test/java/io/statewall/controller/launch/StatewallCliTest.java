package io.statewall.controller.launch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.statewall.controller.app.App;
import io.statewall.controller.app.AppContext;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.ConnectException;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import picocli.CommandLine.Command;

class StatewallCliTest {
  @TempDir Path dir;

  private final StringWriter out = new StringWriter();
  private final StringWriter err = new StringWriter();
  private final AtomicReference<Thread> hook = new AtomicReference<>();
  private AppAssembler assembler = options -> List.of();

  private int run(String... args) {
    return StatewallCli.execute(args, assembler, hook::set, new PrintWriter(out, true), new PrintWriter(err, true));
  }

  private Path file(String name, String content) throws IOException {
    return Files.writeString(dir.resolve(name), content);
  }

  @Test
  void topLevelHelpListsTheOptionsAndTheRunCommand() {
    assertThat(run("--help")).isZero();

    assertThat(out.toString()).contains("--help", "--version", "run");
  }

  @Test
  void runHelpDocumentsEveryOption() {
    assertThat(run("run", "--help")).isZero();

    assertThat(out.toString()).contains("--policy=FILE", "--listen=HOST:PORT", "127.0.0.1:6653", "--echo-interval",
        "--insecure-switches", "--allow-dpid", "--tls-switch-name",
        "--tls-cert", "--tls-key", "--tls-ca", "--clear-flows-on-connect", "--help", "--version");
  }

  @Test
  void runKeepsSwitchFlowTablesUnlessToldToClearThem() throws IOException {
    Path policy = file("flows.yaml", "hosts: []\n");
    List<RunOptions> seen = new java.util.ArrayList<>();
    assembler = options -> {
      seen.add(options);
      throw new UserError("stop here");
    };
    run("run", "--policy", policy.toString());
    run("run", "--policy", policy.toString(), "--clear-flows-on-connect");
    assertThat(seen).extracting(o -> o.controller().flowsOnConnect())
        .containsExactly(io.statewall.controller.ControllerConfig.FlowsOnConnect.KEEP,
            io.statewall.controller.ControllerConfig.FlowsOnConnect.CLEAR);
  }

  @Test
  void switchesOffLoopbackWithoutTlsNeedTheInsecureFlagAndAreWarnedAbout() throws IOException {
    Path policy = file("open.yaml", "hosts: []\n");
    List<RunOptions> seen = new java.util.ArrayList<>();
    assembler = options -> {
      seen.add(options);
      throw new UserError("stop here");
    };
    run("run", "--policy", policy.toString(), "--listen", "0.0.0.0:0", "--insecure-switches",
        "--allow-dpid", "00:00:00:00:00:00:00:01,0x2", "--allow-dpid", "0000000000000003");

    assertThat(out.toString()).contains("warning: switches connect to 0.0.0.0:0 without TLS");
    assertThat(seen).singleElement().satisfies(o -> {
      assertThat(o.controller().listenHost()).isEqualTo("0.0.0.0");
      assertThat(o.controller().admission().allowed()).hasValueSatisfying(ids -> assertThat(ids)
          .extracting(org.projectfloodlight.openflow.types.DatapathId::getLong).containsExactlyInAnyOrder(1L, 2L, 3L));
    });
  }

  @Test
  void theDefaultListenAddressIsLoopback() throws IOException {
    Path policy = file("default.yaml", "hosts: []\n");
    List<RunOptions> seen = new java.util.ArrayList<>();
    assembler = options -> {
      seen.add(options);
      throw new UserError("stop here");
    };
    run("run", "--policy", policy.toString());

    assertThat(seen).singleElement().satisfies(o -> assertThat(o.controller().listenHost()).isEqualTo("127.0.0.1"));
    assertThat(out.toString()).doesNotContain("warning");
  }

  @Test
  void versionFallsBackToDevOutsideAJar() {
    assertThat(run("--version")).isZero();

    assertThat(out.toString().trim()).isEqualTo("statewall dev");
  }

  @Test
  void noCommandIsAUsageError() {
    assertThat(run()).isEqualTo(2);
    assertThat(err.toString()).contains("missing COMMAND");
  }

  @Test
  void extraSubcommandsAreOffered() {
    @Command(name = "hello", description = "Says hello.")
    class Hello implements Runnable {
      @Override
      public void run() {}
    }
    int code = StatewallCli.execute(new String[] {"--help"}, assembler, hook::set, new PrintWriter(out, true),
        new PrintWriter(err, true), new Hello());

    assertThat(code).isZero();
    assertThat(out.toString()).contains("hello", "Says hello.");
  }

  static Stream<Arguments> userErrors() {
    return Stream.of(
        Arguments.of("missing policy file", List.of("run", "--policy", "@/nope.yaml"), "no such file"),
        Arguments.of("policy is a directory", List.of("run", "--policy", "@"), "it is a directory"),
        Arguments.of("policy is not YAML", List.of("run", "--policy", "@bad.yaml"), "is not valid YAML"),
        Arguments.of("policy is a YAML list", List.of("run", "--policy", "@list.yaml"), "must be a YAML mapping"),
        Arguments.of("policy is empty", List.of("run", "--policy", "@empty.yaml"), "an empty document"),
        Arguments.of("policy option missing", List.of("run"), "Missing required option: '--policy=FILE'"),
        Arguments.of("listen without port", List.of("run", "--policy", "@ok.yaml", "--listen", "localhost"),
            "is not HOST:PORT"),
        Arguments.of("listen port too big", List.of("run", "--policy", "@ok.yaml", "--listen", "x:70000"),
            "port must be 0 to 65535"),
        Arguments.of("bad echo interval", List.of("run", "--policy", "@ok.yaml", "--echo-interval", "soon"),
            "is not a duration"),
        Arguments.of("tls half given", List.of("run", "--policy", "@ok.yaml", "--tls-cert", "@ok.yaml"),
            "must be given together"),
        Arguments.of("tls file missing",
            List.of("run", "--policy", "@ok.yaml", "--tls-cert", "@x", "--tls-key", "@y", "--tls-ca", "@z"),
            "cannot read TLS file"),
        Arguments.of("switches off loopback without TLS",
            List.of("run", "--policy", "@ok.yaml", "--listen", "0.0.0.0:6653"),
            "--listen 0.0.0.0:6653 is not a loopback address: switches there must use TLS"),
        Arguments.of("every address without TLS",
            List.of("run", "--policy", "@ok.yaml", "--listen", ":6653"), "--insecure-switches"),
        Arguments.of("bad datapath id", List.of("run", "--policy", "@ok.yaml", "--allow-dpid", "1,zz"),
            "'1' is not a datapath id"),
        Arguments.of("switch name without TLS",
            List.of("run", "--policy", "@ok.yaml", "--tls-switch-name", "rack=0x1"), "needs TLS"),
        Arguments.of("port already taken", List.of("run", "--policy", "@ok.yaml", "--listen", "127.0.0.1:@busy"),
            "cannot listen on 127.0.0.1:"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("userErrors")
  void userErrorIsOneLineAndExitCodeTwo(String name, List<String> args, String message) throws IOException {
    file("bad.yaml", "hosts: [unclosed\n  - x: {");
    file("list.yaml", "- a\n- b\n");
    file("empty.yaml", "");
    file("ok.yaml", "hosts: []\n");
    try (java.net.ServerSocket busy = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      String[] resolved = args.stream()
          .map(a -> a.replace("@busy", String.valueOf(busy.getLocalPort())))
          .map(a -> a.startsWith("@") ? dir.resolve(a.substring(1)).toString() : a)
          .toArray(String[]::new);

      assertThat(run(resolved)).isEqualTo(2);
    }

    String[] lines = err.toString().split("\\R");
    assertThat(lines[0]).contains(message);
    assertThat(err.toString()).doesNotContain("Exception", "\tat ");
    if (!name.equals("policy option missing") && !name.startsWith("listen") && !name.startsWith("bad echo")) {
      assertThat(lines).as("exactly one line").hasSize(1);
      assertThat(lines[0]).startsWith("statewall: ");
    }
  }

  @Test
  void assemblerUserErrorIsOneLine() throws IOException {
    Path policy = file("ok.yaml", "hosts: []\n");
    assembler = options -> {
      throw new UserError("rules file desktop.rules, line 3: unknown match -m foo");
    };

    assertThat(run("run", "--policy", policy.toString())).isEqualTo(2);
    assertThat(err.toString()).isEqualTo("statewall: rules file desktop.rules, line 3: unknown match -m foo"
        + System.lineSeparator());
  }

  @Test
  void runPassesTheApiOptionsToTheAssembler() throws IOException {
    Path policy = file("api.yaml", "hosts: []\n");
    Path token = file("token", "0123456789abcdef\n");
    List<RunOptions> seen = new java.util.ArrayList<>();
    assembler = options -> {
      seen.add(options);
      throw new UserError("stop here");
    };
    run("run", "--policy", policy.toString());
    run("run", "--policy", policy.toString(), "--api", "off");
    run("run", "--policy", policy.toString(), "--api", "10.0.0.5:9090", "--api-token-file", token.toString(),
        "--api-tls-cert", "c.pem", "--api-tls-key", "k.pem");
    assertThat(seen).extracting(RunOptions::api).containsExactly(ApiConfig.DEFAULT, ApiConfig.of("off", null),
        new ApiConfig("10.0.0.5:9090", token, Path.of("c.pem"), Path.of("k.pem")));
  }

  @Test
  void runPassesTheFloodLimitsToTheAssemblerAndRefusesNonsense() throws IOException {
    Path policy = file("limits.yaml", "hosts: []\n");
    List<RunOptions> seen = new java.util.ArrayList<>();
    assembler = options -> {
      seen.add(options);
      throw new UserError("stop here");
    };
    run("run", "--policy", policy.toString());
    run("run", "--policy", policy.toString(), "--conntrack-max", "1000", "--port-packet-in-rate", "50",
        "--switch-packet-in-rate", "500", "--flow-mod-rate", "100");
    assertThat(seen).extracting(RunOptions::limits)
        .containsExactly(RunLimits.DEFAULTS, new RunLimits(1000, 50, 500, 100));

    err.getBuffer().setLength(0);
    assertThat(run("run", "--policy", policy.toString(), "--flow-mod-rate", "0")).isEqualTo(2);
    assertThat(err.toString()).startsWith("statewall: --flow-mod-rate must be").doesNotContain("\tat ");
    assertThat(seen).hasSize(2);
  }

  @Test
  void anAppThatCannotBindItsPortFailsRunWithOneLine() throws IOException {
    Path policy = file("bind.yaml", "hosts: []\n");
    assembler = options -> List.of(new App() {
      @Override
      public String name() {
        return "api";
      }

      @Override
      public void start(AppContext context) {
        throw new java.io.UncheckedIOException(new IOException("cannot start the API on 127.0.0.1:8080: in use"));
      }
    });
    assertThat(run("run", "--policy", policy.toString(), "--listen", "127.0.0.1:0")).isEqualTo(2);
    assertThat(err.toString()).isEqualTo("statewall: cannot start the API on 127.0.0.1:8080: in use"
        + System.lineSeparator());
  }

  @Test
  void runServesUntilTheShutdownHookRunsThenReleasesThePort() throws Exception {
    Path policy = file("ok.yaml", "hosts: []\n");
    CompletableFuture<RunOptions> assembled = new CompletableFuture<>();
    CompletableFuture<Boolean> stopped = new CompletableFuture<>();
    assembler = options -> {
      assembled.complete(options);
      return List.of(new App() {
        @Override
        public String name() {
          return "probe";
        }

        @Override
        public void start(AppContext context) {}

        @Override
        public void stop() {
          stopped.complete(true);
        }
      });
    };
    CompletableFuture<Integer> exit = CompletableFuture.supplyAsync(
        () -> run("run", "--policy", policy.toString(), "--listen", "127.0.0.1:0", "--echo-interval", "750ms"));

    RunOptions options = assembled.get(10, TimeUnit.SECONDS);
    assertThat(options.policy()).isEqualTo(policy);
    assertThat(options.controller().echoInterval()).hasMillis(750);
    int port = awaitListeningPort();
    new Socket("127.0.0.1", port).close();
    assertThat(exit).isNotDone();

    hook.get().start(); // what SIGTERM does
    hook.get().join(10_000);

    assertThat(exit.get(10, TimeUnit.SECONDS)).isZero();
    assertThat(stopped).isCompletedWithValue(true);
    assertThatThrownBy(() -> new Socket("127.0.0.1", port).close()).isInstanceOf(ConnectException.class);
  }

  private int awaitListeningPort() throws InterruptedException {
    Pattern listening = Pattern.compile("listening on 127\\.0\\.0\\.1:(\\d+)");
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (System.nanoTime() < deadline) {
      Matcher m = listening.matcher(out.toString());
      if (m.find() && hook.get() != null) {
        return Integer.parseInt(m.group(1));
      }
      Thread.sleep(10); // polling a condition with a deadline: the output has no callback
    }
    throw new AssertionError("run never reported listening: " + out + err);
  }
}
