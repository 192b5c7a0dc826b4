package io.statewall.it.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.statewall.mininet.BackgroundProcess;
import io.statewall.mininet.Host;
import io.statewall.mininet.MininetNetwork;
import io.statewall.mininet.Topology;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * Captures the transcript in docs/operations.md: the real {@code ./statewall run} with a Mininet
 * network of OVS switches, and the real {@code ./statewall} operator commands against it. Run with
 * {@code -Dstatewall.capture=true}; it writes integration-tests/target/operations-transcript.md.
 */
@EnabledIfSystemProperty(named = "statewall.capture", matches = "true")
class OperationsTranscriptTest {
  static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
  static final Path DIR = Path.of("/tmp/statewall-operations");

  final StringBuilder doc = new StringBuilder();
  static final Path TOKEN_FILE = DIR.resolve("api-token");
  String api;

  @Test
  void capture() throws Exception {
    Files.createDirectories(DIR);
    Files.writeString(DIR.resolve("servers.rules"), OperatorToolsTest.SERVERS);
    Files.writeString(DIR.resolve("strict.rules"), OperatorToolsTest.STRICT);
    Files.writeString(DIR.resolve("policy.yaml"), "hosts:\n  - address: 10.0.0.1\n    rules: servers.rules\n");
    Files.writeString(DIR.resolve("strict.yaml"), "hosts:\n  - address: 10.0.0.1\n    rules: strict.rules\n");
    Files.writeString(DIR.resolve("typo.rules"), "*filter\n:INPUT DROP [0:0]\n-A INPUT -p tcp --dport 22 -j ACCEPTT\nCOMMIT\n");
    Files.writeString(DIR.resolve("typo.yaml"), "hosts:\n  - address: 10.0.0.1\n    rules: typo.rules\n");
    int of = freePort();
    int http = freePort();
    api = "127.0.0.1:" + http;
    List<String> run = List.of("./statewall", "run", "--policy", DIR.resolve("policy.yaml").toString(),
        "--listen", "127.0.0.1:" + of, "--api", api);
    Path log = DIR.resolve("run.log");
    ProcessBuilder controllerProcess = new ProcessBuilder(run).directory(ROOT.toFile()).redirectErrorStream(true)
        .redirectOutput(log.toFile());
    // the controller makes its token file there on start; the CLI reads the same (and curl is shown with it)
    controllerProcess.environment().put("STATEWALL_API_TOKEN_FILE", TOKEN_FILE.toString());
    Files.deleteIfExists(TOKEN_FILE);
    Process controller = controllerProcess.start();
    try {
      awaitFile(log, "listening on");
      section("Start the controller", String.join(" ", run.subList(0, run.size())),
          Files.readString(log).strip());
      try (MininetNetwork net = MininetNetwork.builder().topology(Topology.linear(2)).controller("127.0.0.1", of)
          .start()) {
        net.awaitControllerConnections(Duration.ofSeconds(20));
        Host server = net.host("h1");
        Host client = net.host("h2");
        net.pingAll(Duration.ofSeconds(20));
        try (BackgroundProcess sshd = server.start(
                "socat TCP-LISTEN:22,fork,reuseaddr SYSTEM:'echo SSH-2.0-statewall; sleep 120'");
            BackgroundProcess ssh = startWhenListening(server, client)) {
          Thread.sleep(3000); // let LLDP see the link and the connection settle into the switches
          command("Switches", "switches");
          command("Links", "links");
          command("Hosts", "hosts");
          command("Tracked connections, as conntrack -L prints them", "conntrack", "-L");
          command("Filtered", "conntrack", "-L", "-p", "tcp", "--dport", "22");
          command("Pending expectations (FTP)", "conntrack", "-L", "expect");
          client.exec("nc -z -w 2 10.0.0.1 23", Duration.ofSeconds(10));
          command("Why was telnet dropped?", "trace", "--src", "10.0.0.2", "--dst", "10.0.0.1", "--proto", "tcp",
              "--dport", "23");
          String line = runCli("conntrack", "-L", "-p", "tcp", "--dport", "22", "--state", "ESTABLISHED").out;
          String sport = line.replaceAll("(?s).*?sport=(\\d+) dport=22.*", "$1");
          command("A packet of a live connection", "trace", "--src", "10.0.0.1", "--dst", "10.0.0.2", "--proto",
              "tcp", "--sport", "22", "--dport", sport);
          command("The running policy", "policy", "show");
          command("What would a stricter policy cut?", "policy", "apply", DIR.resolve("strict.yaml").toString(),
              "--dry-run");
          command("A policy with a typo changes nothing", "policy", "apply", DIR.resolve("typo.yaml").toString());
          metrics();
          command("Delete one connection (its switch entries go too)", "conntrack", "-D", "-p", "tcp", "--dport", "22");
          command("Flush the table", "conntrack", "-F");
        }
      }
    } finally {
      controller.destroy();
      if (!controller.waitFor(10, TimeUnit.SECONDS)) {
        controller.destroyForcibly();
      }
    }
    command("No controller answering", "conntrack", "-L");
    Path out = Path.of("target", "operations-transcript.md");
    Files.writeString(out, doc.toString());
    assertThat(doc.toString()).contains("flow entries have been deleted");
  }

  private BackgroundProcess startWhenListening(Host server, Host client) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (!server.exec("ss -ltn 'sport = :22' | grep -q LISTEN").succeeded()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("h1 does not listen on 22");
      }
      Thread.sleep(50);
    }
    return client.start("exec nc 10.0.0.1 22");
  }

  private void metrics() throws Exception {
    HttpResponse<String> denied = HttpClient.newHttpClient().send(
        HttpRequest.newBuilder(URI.create("http://" + api + "/api/v1/conntrack")).build(),
        HttpResponse.BodyHandlers.ofString());
    section("Every request but /healthz needs the token", "curl -s http://" + api + "/api/v1/conntrack",
        denied.body().strip() + "\n(HTTP " + denied.statusCode() + ")");
    HttpResponse<String> r = HttpClient.newHttpClient().send(
        HttpRequest.newBuilder(URI.create("http://" + api + "/metrics"))
            .header("Authorization", "Bearer " + Files.readString(TOKEN_FILE).strip()).build(),
        HttpResponse.BodyHandlers.ofString());
    String body = r.body().lines().filter(l -> l.startsWith("statewall_") && !l.contains("_bucket{"))
        .collect(Collectors.joining("\n"));
    section("Prometheus metrics (histogram buckets left out here)", "curl -s -H \"Authorization: Bearer $(cat " + TOKEN_FILE + ")\" http://" + api + "/metrics", body);
  }

  record Cli(int code, String out, String err) {}

  private Cli runCli(String... args) throws Exception {
    List<String> cmd = new ArrayList<>(List.of("./statewall"));
    cmd.addAll(List.of(args));
    cmd.add("--api");
    cmd.add(api);
    return runCmd(cmd);
  }

  private static Cli runCmd(List<String> cmd) throws Exception {
    Path out = Files.createTempFile("statewall-cli", ".out");
    Path err = Files.createTempFile("statewall-cli", ".err");
    try {
      ProcessBuilder b = new ProcessBuilder(cmd).directory(ROOT.toFile()).redirectOutput(out.toFile())
          .redirectError(err.toFile());
      b.environment().put("STATEWALL_API_TOKEN_FILE", TOKEN_FILE.toString());
      Process p = b.start();
      if (!p.waitFor(60, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new AssertionError("timed out: " + cmd);
      }
      return new Cli(p.exitValue(), Files.readString(out), Files.readString(err));
    } finally {
      Files.deleteIfExists(out);
      Files.deleteIfExists(err);
    }
  }

  private void command(String title, String... args) throws Exception {
    Cli r = runCli(args);
    String shown = "./statewall " + String.join(" ", args) + ("127.0.0.1:8080".equals(api) ? "" : " --api " + api);
    section(title, shown, (r.out + r.err).stripTrailing() + (r.code == 0 ? "" : "\n(exit " + r.code + ")"));
  }

  private void section(String title, String command, String output) {
    doc.append("### ").append(title).append("\n\n```\n$ ").append(command).append('\n').append(output)
        .append("\n```\n\n");
  }

  private static void awaitFile(Path file, String text) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
    while (!Files.exists(file) || !Files.readString(file, StandardCharsets.UTF_8).contains(text)) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("the controller did not start: " + (Files.exists(file) ? Files.readString(file) : ""));
      }
      Thread.sleep(100);
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }
}
