package io.statewall.operator.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.statewall.apps.main.OperatorViews;
import io.statewall.controller.app.App;
import io.statewall.controller.app.AppContext;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The API as an attacker with a local account, a web page or a slow socket meets it (issue 17):
 * every case over real HTTP to a running controller, each failing on the API before the issue.
 */
@Timeout(120)
class ApiHardeningTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir
  Path dir;

  /** One raw HTTP/1.1 exchange: the request as written, the whole answer as read. */
  static String raw(int port, String request) throws IOException {
    try (Socket s = new Socket("127.0.0.1", port)) {
      s.setSoTimeout(10_000);
      s.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
      return new String(s.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
    }
  }

  static void await(String what, BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (!condition.getAsBoolean()) {
      assertThat(System.nanoTime() < deadline).as("in time: " + what).isTrue();
      Thread.sleep(20);
    }
  }

  @Test
  void theFirstStartMakesARandomTokenOnlyItsOwnerCanReadAndEveryRouteButHealthzWantsIt() throws Exception {
    try (RunningController c = new RunningController(dir)) {
      assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(c.tokenFile))).isEqualTo("rw-------");
      assertThat(c.token).hasSizeGreaterThanOrEqualTo(43).matches("[A-Za-z0-9_-]+");
      JsonNode doc = JSON.readTree(c.get("/api/v1/openapi.json").body());
      List<String> ops = new ArrayList<>();
      for (Iterator<Map.Entry<String, JsonNode>> it = doc.get("paths").fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> p = it.next();
        p.getValue().fieldNames().forEachRemaining(m -> ops.add(m.toUpperCase() + " " + p.getKey()));
      }
      assertThat(ops).hasSizeGreaterThan(10);
      for (String op : ops) {
        String[] mp = op.split(" ");
        HttpResponse<String> r = c.send(HttpRequest.newBuilder(URI.create(c.base() + mp[1]))
            .method(mp[0], HttpRequest.BodyPublishers.noBody()), false);
        assertThat(r.statusCode()).as(op).isEqualTo(mp[1].equals("/healthz") ? 200 : 401);
      }
      // without the token /healthz says whether the controller lives, not what it holds
      JsonNode open = JSON.readTree(c.send(HttpRequest.newBuilder(URI.create(c.base() + "/healthz")), false).body());
      assertThat(open.has("connections")).isFalse();
      assertThat(JSON.readTree(c.get("/healthz").body()).has("connections")).isTrue();
      // a second start reads the same file: the token stays
      assertThat(ApiTokenFile.readOrCreate(c.tokenFile)).isEqualTo(c.token);
    }
  }

  @Test
  void aHostHeaderThatIsNoNameOfTheApiIsRefusedAsDnsRebinding() throws Exception {
    try (RunningController c = new RunningController(dir)) {
      int port = c.api.getPort();
      String auth = "Authorization: Bearer " + c.token + "\r\nConnection: close\r\n\r\n";
      assertThat(raw(port, "GET /api/v1/conntrack HTTP/1.1\r\nHost: rebind.attacker.example:" + port + "\r\n" + auth))
          .startsWith("HTTP/1.1 403").contains("is not a name of this API");
      assertThat(raw(port, "GET /healthz HTTP/1.1\r\nHost: rebind.attacker.example\r\nConnection: close\r\n\r\n"))
          .startsWith("HTTP/1.1 403");
      for (String ok : List.of("localhost:" + port, "127.0.0.1:" + port, "LOCALHOST", "[::1]:" + port)) {
        assertThat(raw(port, "GET /api/v1/conntrack HTTP/1.1\r\nHost: " + ok + "\r\n" + auth)).as(ok)
            .startsWith("HTTP/1.1 200");
      }
    }
  }

  @Test
  void aStateChangingRequestFromAForeignOriginIsRefused() throws Exception {
    try (RunningController c = new RunningController(dir)) {
      c.connect(40000, 22);
      HttpResponse<String> forged = c.send(HttpRequest.newBuilder(URI.create(c.base() + "/api/v1/conntrack?all=true"))
          .header("Origin", "http://attacker.example").DELETE(), true);
      assertThat(forged.statusCode()).isEqualTo(403);
      assertThat(forged.body()).contains("may not change this controller");
      assertThat(c.send(HttpRequest.newBuilder(URI.create(c.base() + "/api/v1/conntrack?all=true"))
          .header("Origin", "null").DELETE(), true).statusCode()).isEqualTo(403);
      assertThat(c.firewall.tracker().entries()).hasSize(1);
      // reading is not changing; and our own origin may change
      assertThat(c.send(HttpRequest.newBuilder(URI.create(c.base() + "/api/v1/conntrack"))
          .header("Origin", "http://attacker.example").GET(), true).statusCode()).isEqualTo(200);
      assertThat(c.send(HttpRequest.newBuilder(URI.create(c.base() + "/api/v1/conntrack?all=true"))
          .header("Origin", c.base()).DELETE(), true).statusCode()).isEqualTo(200);
      assertThat(c.firewall.tracker().entries()).isEmpty();
    }
  }

  @Test
  void aPolicyIsSentAsContentAndNoPathIsReadOrQuoted() throws Exception {
    try (RunningController c = new RunningController(dir)) {
      HttpResponse<String> path = c.put("/api/v1/policy", "{\"path\": \"/etc/passwd\"}");
      assertThat(path.statusCode()).isEqualTo(400);
      assertThat(path.body()).contains("not a path").doesNotContain("root:");
      // a rule file named by an absolute or climbing path is looked up among the files sent only
      for (String name : List.of("/etc/passwd", "../../../../etc/passwd", dir.resolve("servers.rules").toString())) {
        HttpResponse<String> r = c.put("/api/v1/policy", JSON.writeValueAsString(Map.of(
            "policy", "hosts:\n  - address: 10.0.0.1\n    rules: " + name + "\n")));
        assertThat(r.statusCode()).as(name).isEqualTo(400);
        assertThat(r.body()).as(name).contains("no file '" + name + "' was given with the policy")
            .doesNotContain("root:").doesNotContain("-A INPUT");
      }
      // an error gives file, line and column, not the text at fault
      HttpResponse<String> bad = c.put("/api/v1/policy", JSON.writeValueAsString(Map.of(
          "policy", "network:\n  rules: n.rules\n", "files", Map.of("n.rules", "root:x:0:0:root:/root:/bin/bash\n"))));
      JsonNode e = JSON.readTree(bad.body());
      assertThat(e.get("file").asText()).isEqualTo("n.rules");
      assertThat(e.get("line").asInt()).isEqualTo(1);
      assertThat(e.get("column").asInt()).isEqualTo(1);
      assertThat(bad.body()).doesNotContain("root:x").doesNotContain("/bin/bash");
      // and content that loads is applied, under the name it was sent with
      HttpResponse<String> ok = c.put("/api/v1/policy", c.policyBody("strict.yaml"));
      assertThat(ok.statusCode()).as(ok.body()).isEqualTo(200);
      assertThat(c.firewall.policies().current().source()).isEqualTo("strict.yaml");
    }
  }

  @Test
  void aChunkedBodyIsCutAtTheLimitWhileItArrives() throws Exception {
    try (RunningController c = new RunningController(dir)) {
      int port = c.api.getPort();
      long limit = ApiLimits.DEFAULTS.maxPolicyBody();
      try (Socket s = new Socket("127.0.0.1", port)) {
        s.setSoTimeout(20_000);
        OutputStream out = s.getOutputStream();
        out.write(("PUT /api/v1/policy HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer " + c.token
            + "\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n")
            .getBytes(StandardCharsets.ISO_8859_1));
        InputStream in = s.getInputStream();
        CompletableFuture<String> answer = CompletableFuture.supplyAsync(() -> {
          try {
            return new String(in.readNBytes(12), StandardCharsets.ISO_8859_1);
          } catch (IOException e) {
            return "read failed: " + e;
          }
        });
        // 200 MB offered in 64 KiB chunks: the server must answer long before they are all sent
        byte[] chunk = new byte[64 * 1024];
        java.util.Arrays.fill(chunk, (byte) ' ');
        byte[] head = (Integer.toHexString(chunk.length) + "\r\n").getBytes(StandardCharsets.ISO_8859_1);
        long sent = 0;
        try {
          while (sent < 200L * 1024 * 1024 && !answer.isDone()) {
            out.write(head);
            out.write(chunk);
            out.write("\r\n".getBytes(StandardCharsets.ISO_8859_1));
            sent += chunk.length;
          }
        } catch (IOException closed) {
          // the server closed the connection after its answer
        }
        assertThat(answer.get(20, TimeUnit.SECONDS)).isEqualTo("HTTP/1.1 413");
        assertThat(sent).as("bytes sent before the answer").isLessThan(limit + 32L * 1024 * 1024);
      }
      // a declared length over the limit is refused before a byte of the body is read
      assertThat(raw(port, "PUT /api/v1/policy HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer " + c.token
          + "\r\nContent-Type: application/json\r\nContent-Length: " + (limit + 1) + "\r\nConnection: close\r\n\r\n"))
          .startsWith("HTTP/1.1 413").contains("larger than " + limit + " bytes");
      assertThat(c.get("/healthz").statusCode()).isEqualTo(200);
    }
  }

  @Test
  void slowBodiesDoNotStarveTheOtherRequests() throws Exception {
    try (RunningController c = new RunningController(dir)) {
      int port = c.api.getPort();
      List<Socket> slow = new ArrayList<>();
      try {
        // more slow bodies than the API has request threads (16), each sending a few bytes and then nothing
        for (int i = 0; i < 24; i++) {
          Socket s = new Socket("127.0.0.1", port);
          s.getOutputStream().write(("PUT /api/v1/policy HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer "
              + c.token + "\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{\"pol")
              .getBytes(StandardCharsets.ISO_8859_1));
          slow.add(s);
        }
        for (int i = 0; i < 5; i++) {
          long t0 = System.nanoTime();
          HttpResponse<String> r = c.http.send(HttpRequest.newBuilder(URI.create(c.base() + "/healthz"))
              .timeout(Duration.ofSeconds(3)).build(), HttpResponse.BodyHandlers.ofString());
          assertThat(r.statusCode()).isEqualTo(200);
          assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(3));
          assertThat(c.get("/api/v1/conntrack").statusCode()).isEqualTo(200);
        }
      } finally {
        for (Socket s : slow) {
          s.close();
        }
      }
    }
  }

  @Test
  void aConnectionThatSendsNothingIsClosedAfterTheIdleTimeout() throws Exception {
    try (RunningController c = new RunningController(dir)) {
      ApiLimits quick = new ApiLimits(1024, 1024, Duration.ofMillis(500), 1024, 8, 2, 8);
      ApiServer server = new ApiServer(new ApiSettings("127.0.0.1", 0, c.token, null, Optional.empty(), Set.of(),
          quick), OperatorViews.of(c.firewall, null, null, null), new FirewallMetrics());
      int port = server.start().getPort();
      try (Socket s = new Socket("127.0.0.1", port)) {
        s.setSoTimeout(10_000);
        s.getOutputStream().write("GET /healthz HTTP/1.1\r\nHo".getBytes(StandardCharsets.ISO_8859_1));
        long t0 = System.nanoTime();
        int first = s.getInputStream().read();
        // closed (or answered with a 408) well before the client's own 10 s
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(5));
        assertThat(first == -1 || first == 'H').isTrue();
      } finally {
        server.close();
      }
    }
  }

  /** An app whose periodic task dies as a task did of an OutOfMemoryError, silently stopping expiry. */
  static final class DyingTaskApp implements App {
    final AtomicLong runs = new AtomicLong();

    @Override
    public String name() {
      return "dying";
    }

    @Override
    public void start(AppContext context) {
      context.scheduler().scheduleWithFixedDelay(io.statewall.controller.app.AppScheduler.named("doomed", () -> {
        if (runs.incrementAndGet() == 2) {
          throw new OutOfMemoryError("Java heap space (thrown by the test)");
        }
      }), 0, 50, TimeUnit.MILLISECONDS);
    }

    @Override
    public void stop() {}
  }

  @Test
  void healthzReportsEveryPeriodicTaskAndIsUnhealthyWhenOneDied() throws Exception {
    DyingTaskApp dying = new DyingTaskApp();
    try (RunningController c = new RunningController(dir, null, List.of(dying))) {
      await("the doomed task to die", () -> dying.runs.get() >= 2);
      HttpResponse<String> r = c.get("/healthz");
      assertThat(r.statusCode()).isEqualTo(503);
      JsonNode h = JSON.readTree(r.body());
      assertThat(h.get("status").asText()).isEqualTo("unhealthy");
      List<String> names = new ArrayList<>();
      h.get("tasks").forEach(t -> names.add(t.get("name").asText()));
      assertThat(names).contains("conntrack-expiry", "offload-stats", "doomed");
      for (JsonNode t : h.get("tasks")) {
        String name = t.get("name").asText();
        assertThat(t.get("state").asText()).as(name).isEqualTo(name.equals("doomed") ? "failed" : "ok");
      }
      assertThat(h.toString()).contains("OutOfMemoryError");
    }
  }
}
