package io.statewall.it.resilience;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
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
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * Three real {@code statewall run --cluster} processes on 127.0.0.1, each with its own OpenFlow, API and
 * cluster ports, started from this build's classes (the runtime jar is built only at {@code package},
 * after the tests; the classpath is the test's, without the test classes, so the processes log as
 * {@code run} does, into {@code target/cluster-it/NAME-ID.log}). Closing it kills every process it
 * started, by its own handle.
 */
final class StatewallCluster implements AutoCloseable {
  static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
  private static final Path LOGS = Path.of("target", "cluster-it").toAbsolutePath();
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String MAIN = "io.statewall.apps.main.StatewallMain";

  /** One member: its ports, its token and log, and the process while it runs. */
  final class Member {
    final String id;
    final int openflow;
    final int api;
    final int clusterPort;
    final Path tokenFile;
    final Path log;
    Process process;

    Member(String id, int openflow, int api, int clusterPort) {
      this.id = id;
      this.openflow = openflow;
      this.api = api;
      this.clusterPort = clusterPort;
      this.tokenFile = dir.resolve("token-" + id);
      this.log = LOGS.resolve(name + "-" + id + ".log");
    }

    long pid() {
      return process.pid();
    }

    /** kill -9: no shutdown hook, no Leave; sockets closed by the kernel. */
    void kill() throws InterruptedException {
      process.destroyForcibly();
      if (!process.waitFor(10, TimeUnit.SECONDS)) {
        throw new IllegalStateException(id + " (pid " + pid() + ") outlived SIGKILL");
      }
    }

    void signal(String sig) throws IOException, InterruptedException {
      Process p = new ProcessBuilder("kill", "-" + sig, Long.toString(pid())).inheritIO().start();
      if (!p.waitFor(10, TimeUnit.SECONDS) || p.exitValue() != 0) {
        throw new IllegalStateException("kill -" + sig + " " + pid() + " failed");
      }
    }

    /** The API's answer to GET {@code path} (with the query), or empty while it does not answer 200. */
    Optional<JsonNode> get(String pathAndQuery) {
      try {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + api + pathAndQuery))
            .timeout(Duration.ofSeconds(2));
        if (Files.exists(tokenFile)) {
          b.header("Authorization", "Bearer " + Files.readString(tokenFile).strip());
        }
        HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
        return r.statusCode() == 200 ? Optional.of(JSON.readTree(r.body())) : Optional.empty();
      } catch (IOException e) {
        return Optional.empty();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return Optional.empty();
      }
    }

    /** {@code GET /api/v1/cluster} as this member has applied it. */
    Optional<JsonNode> cluster() {
      return get("/api/v1/cluster");
    }

    /** This member's view of a switch's mastership, once it has placed the switch. */
    Optional<Placement> placement(long dpid) {
      String hex = String.format("%016x", dpid);
      return cluster().flatMap(c -> {
        for (JsonNode s : c.path("switches")) {
          if (s.path("dpid").asText().equals(hex)) {
            return Optional.of(new Placement(s.hasNonNull("master") ? s.get("master").asText() : null,
                s.path("epoch").asLong(), s.path("role").asText()));
          }
        }
        return Optional.empty();
      });
    }

    /** Every member is ready in this member's applied view, and it knows a leader. */
    boolean seesAllReady() {
      return cluster().map(c -> c.hasNonNull("leader") && c.path("members").size() == members.size()
          && allTrue(c.path("members"))).orElse(false);
    }

    /** Runs a {@code statewall} operator command (conntrack, cluster...) against this member's API. */
    String cli(String... args) throws IOException, InterruptedException {
      List<String> cmd = new ArrayList<>(List.of(java(), "-cp", classpath(), MAIN));
      cmd.addAll(Arrays.asList(args));
      cmd.addAll(List.of("--api", "127.0.0.1:" + api, "--api-token-file", tokenFile.toString()));
      Path out = Files.createTempFile(dir, "cli", ".out");
      Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(out.toFile()).start();
      if (!p.waitFor(60, TimeUnit.SECONDS)) {
        p.destroyForcibly().waitFor();
        throw new IllegalStateException("statewall " + String.join(" ", args) + " did not finish in 60 s");
      }
      String text = Files.readString(out);
      if (p.exitValue() != 0) {
        throw new IllegalStateException("statewall " + String.join(" ", args) + " exited " + p.exitValue() + ": "
            + text);
      }
      return text;
    }

    String logText() {
      try {
        return Files.exists(log) ? Files.readString(log) : "";
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }

    @Override
    public String toString() {
      return id + "(openflow " + openflow + ", api " + api + (process == null ? "" : ", pid " + process.pid()) + ")";
    }
  }

  /** A switch's committed master (null: none), its epoch, and the asking member's role at it (MASTER or SLAVE). */
  record Placement(String master, long epoch, String role) {}

  final String name;
  private final Path dir;
  private final Path policy;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
  final List<Member> members = new ArrayList<>();

  StatewallCluster(Path policy, String... ids) throws IOException {
    this.name = "it-" + UUID.randomUUID().toString().substring(0, 8);
    this.policy = policy;
    this.dir = Files.createTempDirectory("statewall-cluster-it");
    Files.createDirectories(LOGS);
    int base = freeClusterBase(ids.length);
    for (int i = 0; i < ids.length; i++) {
      members.add(new Member(ids[i], freePort(), freePort(), base + i));
    }
  }

  Member member(String id) {
    return members.stream().filter(m -> m.id.equals(id)).findFirst().orElseThrow();
  }

  List<Member> others(Member m) {
    return members.stream().filter(x -> x != m).toList();
  }

  int[] openflowPorts() {
    return members.stream().mapToInt(m -> m.openflow).toArray();
  }

  /** The OpenFlow target of a member as the switches' Controller table names it, e.g. 127.0.0.1:6653. */
  static String target(Member m) {
    return "127.0.0.1:" + m.openflow;
  }

  /** Starts every member at once, as an operator would, and waits until each answers /healthz. */
  StatewallCluster start() throws IOException, InterruptedException {
    return start(members);
  }

  /** Starts some of the members (each with every member as a peer) and waits until each answers /healthz. */
  StatewallCluster start(List<Member> started) throws IOException, InterruptedException {
    String peers = members.stream().map(m -> m.id + "=127.0.0.1:" + m.clusterPort).collect(Collectors.joining(","));
    for (Member m : started) {
      List<String> cmd = new ArrayList<>(List.of(java(), "-XX:+ExitOnOutOfMemoryError", "-Xms128m", "-Xmx768m",
          "-XX:+UseSerialGC", "-cp", classpath(), MAIN, "run",
          "--policy", policy.toString(),
          "--listen", "127.0.0.1:" + m.openflow,
          "--api", "127.0.0.1:" + m.api, "--api-token-file", m.tokenFile.toString(),
          "--cluster", name, "--member", m.id, "--peers", peers));
      Files.writeString(m.log, "### " + String.join(" ", cmd) + "\n", StandardCharsets.UTF_8,
          java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND);
      m.process = new ProcessBuilder(cmd).directory(ROOT.toFile()).redirectErrorStream(true)
          .redirectOutput(ProcessBuilder.Redirect.appendTo(m.log.toFile())).start();
    }
    for (Member m : started) {
      io.statewall.it.topology.Await.until(m + " answers /healthz (log " + m.log + ")", Duration.ofSeconds(90),
          () -> {
            if (!m.process.isAlive()) {
              throw new AssertionError(m + " exited " + m.process.exitValue() + ":\n" + m.logText());
            }
            return m.get("/healthz").isPresent();
          });
    }
    return this;
  }

  /** Kills every process still running (SIGKILL also ends a stopped one); keeps the logs. */
  @Override
  public void close() {
    for (Member m : members) {
      if (m.process != null && m.process.isAlive()) {
        m.process.destroyForcibly();
        try {
          m.process.waitFor(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
    }
  }

  private static boolean allTrue(JsonNode members) {
    for (JsonNode m : members) {
      if (!m.path("ready").asBoolean()) {
        return false;
      }
    }
    return true;
  }

  private static String java() {
    return Path.of(System.getProperty("java.home"), "bin", "java").toString();
  }

  /**
   * This build's classes and dependencies as surefire gives them to the test, less the test classes
   * (their logback-test.xml would send the members' logs to the test's own file).
   */
  static String classpath() {
    String cp = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
    return Arrays.stream(cp.split(File.pathSeparator))
        .filter(e -> !e.replace('\\', '/').endsWith("integration-tests/target/test-classes"))
        .collect(Collectors.joining(File.pathSeparator));
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  /**
   * A first cluster port such that it and the next {@code n - 1} are free on loopback, and so are the
   * ports JGroups derives from them: FD_SOCK2's (+100, and its range of 5), the replication channel's
   * (+1,000) and its FD_SOCK2's (+1,100). Other sessions run clusters on this machine: never 47800.
   */
  private static int freeClusterBase(int n) throws IOException {
    for (int attempt = 0; attempt < 200; attempt++) {
      int base = ThreadLocalRandom.current().nextInt(20_000, 30_000);
      boolean free = true;
      for (int offset : new int[] {0, 100, 1_000, 1_100}) {
        for (int i = 0; i < n + (offset % 1_000 == 100 ? 5 : 0) && free; i++) {
          free = isFree(base + offset + i);
        }
      }
      if (free) {
        return base;
      }
    }
    throw new IOException("no free range of cluster ports found");
  }

  private static boolean isFree(int port) {
    try (ServerSocket s = new ServerSocket()) {
      s.bind(new InetSocketAddress("127.0.0.1", port));
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  /** Appends a line of figures to {@code target/cluster-it/figures.txt}, which outlives the run's console. */
  static void report(String line) throws IOException {
    Files.writeString(LOGS.resolve("figures.txt"), java.time.Instant.now() + " " + line + System.lineSeparator(),
        StandardCharsets.UTF_8, java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND);
  }

  /** Keeps a traffic tool's output beside the members' logs ({@code target/cluster-it/NAME-WHAT.txt}). */
  void save(String what, String text) throws IOException {
    Files.writeString(LOGS.resolve(name + "-" + what + ".txt"), text, StandardCharsets.UTF_8);
  }

  /** Each member's view of one switch, for failure messages. */
  Map<String, Optional<Placement>> views(long dpid, List<Member> asked) {
    Map<String, Optional<Placement>> out = new LinkedHashMap<>();
    asked.forEach(m -> out.put(m.id, m.placement(dpid)));
    return out;
  }
}
