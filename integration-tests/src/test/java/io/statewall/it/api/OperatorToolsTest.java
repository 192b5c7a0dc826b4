package io.statewall.it.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.statewall.operator.api.ApiApp;
import io.statewall.operator.cli.ConntrackCommand;
import io.statewall.operator.cli.TraceCommand;
import io.statewall.apps.main.FirewallAssembler;
import io.statewall.operator.cli.PolicyCommand;
import io.statewall.controller.Controller;
import io.statewall.controller.ControllerConfig;
import io.statewall.controller.app.App;
import io.statewall.controller.launch.RunOptions;
import io.statewall.mininet.BackgroundProcess;
import io.statewall.mininet.FlowEntry;
import io.statewall.mininet.Host;
import io.statewall.mininet.MininetNetwork;
import io.statewall.mininet.Topology;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * The operator's tools on real switches: after a real SSH-like connection through OVS the CLI lists
 * it, {@code -D} removes it and its flow entries, {@code /metrics} counts the packet-ins, a dry run
 * names the connection a stricter policy would cut, and trace explains a drop with its file:line.
 */
class OperatorToolsTest {
  /** Line 7 drops telnet explicitly, so a trace can name it. */
  static final String SERVERS = """
      *filter
      :INPUT DROP [0:0]
      :FORWARD DROP [0:0]
      :OUTPUT DROP [0:0]
      -A INPUT -p tcp --dport 22 -m state --state NEW,ESTABLISHED -j ACCEPT
      -A INPUT -p tcp --dport 80 -m state --state NEW,ESTABLISHED -j ACCEPT
      -A INPUT -p tcp --dport 23 -j DROP
      -A OUTPUT -p tcp -m state --state ESTABLISHED -j ACCEPT
      COMMIT
      """;
  static final String STRICT = """
      *filter
      :INPUT DROP [0:0]
      :FORWARD DROP [0:0]
      :OUTPUT DROP [0:0]
      -A INPUT -p tcp --dport 80 -m state --state NEW,ESTABLISHED -j ACCEPT
      -A OUTPUT -p tcp -m state --state ESTABLISHED -j ACCEPT
      COMMIT
      """;

  @TempDir
  static Path dir;
  static Controller controller;
  static MininetNetwork net;
  static String api;
  /** Made by the controller on its start (the token every request needs), read by the CLI. */
  static Path tokenFile;
  static Host server;
  static Host client;
  static List<BackgroundProcess> services;

  @BeforeAll
  static void start() throws Exception {
    Files.writeString(dir.resolve("servers.rules"), SERVERS);
    Files.writeString(dir.resolve("strict.rules"), STRICT);
    Path policy = Files.writeString(dir.resolve("policy.yaml"), "hosts:\n  - address: 10.0.0.1\n    rules: servers.rules\n");
    Files.writeString(dir.resolve("strict.yaml"), "hosts:\n  - address: 10.0.0.1\n    rules: strict.rules\n");
    ControllerConfig config = ControllerConfig.defaults().withListen("127.0.0.1", 0);
    tokenFile = dir.resolve("api-token");
    List<App> apps = new FirewallAssembler().assemble(new RunOptions(policy, config,
        io.statewall.controller.launch.ApiConfig.of("127.0.0.1:0", tokenFile)));
    controller = new Controller(config, apps);
    int port = controller.start().getPort();
    api = "127.0.0.1:" + apps.stream().filter(a -> a instanceof ApiApp).map(a -> ((ApiApp) a).address().getPort())
        .findFirst().orElseThrow();
    try {
      net = MininetNetwork.builder().topology(Topology.single(4)).controller("127.0.0.1", port).start();
      net.awaitControllerConnections(Duration.ofSeconds(20));
      server = net.host("h1");
      client = net.host("h4");
      services = List.of(server.start("socat TCP-LISTEN:22,fork,reuseaddr SYSTEM:'echo SSH-2.0-statewall; sleep 120'"));
      await(() -> server.exec("ss -ltn 'sport = :22' | grep -q LISTEN").succeeded(), "h1 listens on 22");
    } catch (RuntimeException | Error e) {
      stop();
      throw e;
    }
  }

  @AfterAll
  static void stop() {
    if (services != null) {
      services.forEach(BackgroundProcess::close);
    }
    if (net != null) {
      net.close();
    }
    if (controller != null) {
      controller.close();
    }
  }

  static void await(BooleanSupplier condition, String what) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out waiting until " + what);
      }
      Thread.sleep(100);
    }
  }

  /** One command's run: exit code, stdout, stderr. */
  record Run(int code, String out, String err) {}

  static Run cli(Object command, String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine c = new CommandLine(command);
    c.setOut(new PrintWriter(out));
    c.setErr(new PrintWriter(err));
    String[] all = java.util.stream.Stream.concat(java.util.Arrays.stream(args), java.util.stream.Stream.of("--api", api,
        "--api-token-file", tokenFile.toString()))
        .toArray(String[]::new);
    int code = c.execute(all);
    return new Run(code, out.toString(), err.toString());
  }

  /** statewall's exact entries in s1 for the connection from client port {@code port}. */
  static List<FlowEntry> entriesOf(int port) {
    return net.ovsSwitch("s1").dumpFlows().stream()
        .filter(f -> (f.cookie() >>> 48) == 0x5357
            && (f.match().contains("tp_dst=" + port + ",") || f.match().contains("tp_src=" + port + ",")
                || f.match().endsWith("tp_dst=" + port) || f.match().endsWith("tp_src=" + port)))
        .toList();
  }

  @Test
  void aRealConnectionIsListedCutByADryRunAndDeletedWithItsEntries() throws Exception {
    try (BackgroundProcess ssh = client.start("exec nc 10.0.0.1 22 > /tmp/statewall-op-banner")) {
      String[] established = {"-L", "-p", "tcp", "--dport", "22", "--state", "ESTABLISHED"};
      await(() -> !cli(new ConntrackCommand(), established).out().isEmpty(), "the connection is tracked ESTABLISHED");
      Run listed = cli(new ConntrackCommand(), established);
      assertThat(listed.out().lines()).singleElement().asString()
          .matches("tcp      6 \\d+ ESTABLISHED src=10\\.0\\.0\\.4 dst=10\\.0\\.0\\.1 sport=\\d+ dport=22 "
              + "src=10\\.0\\.0\\.1 dst=10\\.0\\.0\\.4 sport=22 dport=\\d+ .*mark=0 use=1");
      Matcher sport = Pattern.compile("sport=(\\d+) dport=22").matcher(listed.out());
      assertThat(sport.find()).isTrue();
      int port = Integer.parseInt(sport.group(1));
      await(() -> !entriesOf(port).isEmpty(), "the connection has exact entries in s1");

      Run dry = cli(new PolicyCommand(), "apply", dir.resolve("strict.yaml").toString(), "--dry-run");
      assertThat(dry.code()).as(dry.err()).isZero();
      assertThat(dry.out()).containsPattern("would no longer accept [1-9]\\d* tracked connection")
          .contains("sport=" + port + " dport=22").containsPattern("would remove the switch entries of [1-9]")
          .contains("policy DROP of INPUT");
      assertThat(cli(new PolicyCommand(), "show").out()).contains("servers.rules").contains("--dport 22");

      Run deleted = cli(new ConntrackCommand(), "-D", "-p", "tcp", "--sport", String.valueOf(port), "--dport", "22");
      assertThat(deleted.code()).as(deleted.err()).isZero();
      assertThat(deleted.err()).contains("1 flow entries have been deleted.");
      assertThat(cli(new ConntrackCommand(), "-L", "--sport", String.valueOf(port)).out()).isEmpty();
      await(() -> entriesOf(port).isEmpty(), "the connection's entries are gone from s1");
    }
  }

  @Test
  void metricsCountPacketInsOfTheRealSwitch() throws Exception {
    client.exec("nc -z -w 2 10.0.0.1 22", Duration.ofSeconds(10));
    HttpResponse<String> r = HttpClient.newHttpClient().send(
        HttpRequest.newBuilder(URI.create("http://" + api + "/metrics")).timeout(Duration.ofSeconds(10))
            .header("Authorization", "Bearer " + Files.readString(tokenFile).strip()).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).isEqualTo(200);
    Matcher m = Pattern.compile("statewall_packet_ins_total\\{switch=\"0000000000000001\"} (\\d+)\\.0").matcher(r.body());
    assertThat(m.find()).as(r.body()).isTrue();
    assertThat(Long.parseLong(m.group(1))).isPositive();
    assertThat(r.body()).containsPattern("statewall_verdicts_total\\{action=\"ACCEPT\",chain=\"INPUT\"} [1-9]");
  }

  @Test
  void traceExplainsADropWithItsFileAndLine() throws Exception {
    assertThat(client.exec("nc -z -w 2 10.0.0.1 23", Duration.ofSeconds(10)).exitCode()).isNotZero();
    Run t = cli(new TraceCommand(), "--src", "10.0.0.4", "--dst", "10.0.0.1", "--proto", "tcp", "--dport", "23");
    assertThat(t.code()).as(t.err()).isZero();
    assertThat(t.out()).contains("path        0000000000000001[4->1]");
    assertThat(t.out().lines().reduce((a, b) -> b).orElse(""))
        .isEqualTo("verdict     DROP by host 10.0.0.1 rules " + dir.resolve("servers.rules")
            + ":7 -A INPUT -p tcp -m tcp --dport 23 -j DROP");
  }
}
