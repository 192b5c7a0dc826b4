package io.statewall.it.packaging;

import static org.assertj.core.api.Assertions.assertThat;

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
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code ./scripts/package} as an operator meets it: the Debian package installed with apt in a fresh
 * container of the local base image (unit verified, {@code statewall} on PATH, remove and purge), and
 * the image started with the seed policy answering {@code /healthz}. Packages the reactor's runtime jar,
 * so the test builds nothing twice.
 */
class PackageTest {
  static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
  static final Path OUT = ROOT.resolve("target/package");

  static Path deb;
  static String version;
  static long packagingSeconds;

  @BeforeAll
  static void packageIt() throws Exception {
    Path jar = ROOT.resolve("apps/target/statewall.jar");
    assertThat(jar).as("the runtime jar, built by the reactor before this module").exists();
    long t0 = System.nanoTime();
    Result r = run(Duration.ofMinutes(10), ROOT.resolve("scripts/package").toString(), "--jar", jar.toString());
    packagingSeconds = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - t0);
    assertThat(r.code()).as(r.output()).isZero();
    Matcher m = Pattern.compile("Debian package (\\S+statewall_(\\S+)_all\\.deb)").matcher(r.output());
    assertThat(m.find()).as(r.output()).isTrue();
    deb = Path.of(m.group(1));
    assertThat(deb).exists().hasParent(OUT);
    assertThat(r.output()).contains("image statewall:", "statewall:latest");
    Matcher v = Pattern.compile("image statewall:(\\S+) and").matcher(r.output());
    assertThat(v.find()).isTrue();
    version = v.group(1);
    report("packaging (--jar, deb + image): " + packagingSeconds + " s, deb " + Files.size(deb) / 1_000_000 + " MB");
  }

  @Test
  void thePackageInstallsVerifiesRunsAndPurgesInAFreshContainer() throws Exception {
    Path cid = Files.createTempFile("statewall-install-check", ".cid");
    Files.delete(cid);
    long t0 = System.nanoTime();
    try {
      Result r = run(Duration.ofMinutes(10), "docker", "run", "--rm", "--network", "host", "--cidfile", cid.toString(),
          "-v", OUT + ":/pkg:ro", "-v", ROOT.resolve("packaging/test") + ":/check:ro",
          "debian:bookworm-slim", "/check/install-check");
      assertThat(r.code()).as(r.output()).isZero();
      assertThat(r.output()).contains(
          "check: statewall " + version,
          "check: files in place",
          "check: config check: /etc/statewall/statewall.yaml: ok",
          "check: systemd-analyze verify statewall.service: clean",
          "check: bash completion loads",
          "check: remove: program gone, config and state kept",
          "check: purge: config, state and user gone");
      Matcher m = Pattern.compile("check: installed in (\\d+) s").matcher(r.output());
      assertThat(m.find()).isTrue();
      report("apt-get install of the package (JRE from the mirror included): " + m.group(1) + " s; whole check "
          + TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - t0) + " s");
    } finally {
      removeContainer(cid);
    }
  }

  @Test
  void theImageRunsTheSeedPolicyAndAnswersHealthz() throws Exception {
    Result versionOut = run(Duration.ofMinutes(2), "docker", "run", "--rm", "statewall:latest", "--version");
    assertThat(versionOut.output().strip()).isEqualTo("statewall " + version);

    int openflow = freePort();
    int api = freePort();
    Result started = run(Duration.ofMinutes(1), "docker", "run", "-d", "--network", "host",
        "statewall:" + version, "run", "--config", "/etc/statewall/statewall.yaml",
        "--listen", "127.0.0.1:" + openflow, "--api", "127.0.0.1:" + api);
    assertThat(started.code()).as(started.output()).isZero();
    String id = started.output().strip();
    try {
      HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
      HttpRequest healthz = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + api + "/healthz"))
          .timeout(Duration.ofSeconds(5)).build();
      long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
      String body = null;
      while (body == null && System.nanoTime() < deadline) {
        try {
          HttpResponse<String> response = http.send(healthz, HttpResponse.BodyHandlers.ofString());
          if (response.statusCode() == 200) {
            body = response.body();
          }
        } catch (IOException notYet) {
          Thread.sleep(250); // polling the port with a deadline: the container has no readiness callback
        }
      }
      assertThat(body).as(run(Duration.ofSeconds(30), "docker", "logs", id).output()).isNotNull();
      assertThat(body).contains("\"status\" : \"ok\"");
      assertThat(run(Duration.ofSeconds(30), "docker", "logs", id).output())
          .contains("listening on 127.0.0.1:" + openflow, "with policy /etc/statewall/policy.yaml");
    } finally {
      run(Duration.ofMinutes(1), "docker", "rm", "-f", id);
    }
  }

  private static void removeContainer(Path cidFile) throws Exception {
    if (Files.exists(cidFile)) {
      String id = Files.readString(cidFile).strip();
      if (!id.isEmpty()) {
        run(Duration.ofMinutes(1), "docker", "rm", "-f", id);
      }
      Files.delete(cidFile);
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  private static void report(String line) throws IOException {
    Path file = Path.of("target", "package-report.txt");
    Files.createDirectories(file.getParent());
    Files.writeString(file, line + System.lineSeparator(), StandardCharsets.UTF_8,
        java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND);
    System.out.println(line);
  }

  record Result(int code, String output) {}

  private static Result run(Duration timeout, String... command) throws Exception {
    List<String> cmd = new ArrayList<>(List.of(command));
    Path log = Files.createTempFile("statewall-package-test", ".log");
    try {
      Process p = new ProcessBuilder(cmd).directory(ROOT.toFile()).redirectErrorStream(true)
          .redirectOutput(log.toFile()).start();
      if (!p.waitFor(timeout.toSeconds(), TimeUnit.SECONDS)) {
        p.destroyForcibly().waitFor();
        throw new AssertionError(String.join(" ", cmd) + " did not finish in " + timeout + ": "
            + Files.readString(log));
      }
      return new Result(p.exitValue(), Files.readString(log));
    } finally {
      Files.deleteIfExists(log);
    }
  }
}
