package io.statewall.operator.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.statewall.netfilter.conntrack.TcpFlow;
import io.statewall.netfilter.packet.Packet;
import io.statewall.topology.Attachment;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The web view's files and live streams on a running controller: auth, limits, the events themselves. */
class WebViewApiTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir
  Path dir;
  RunningController c;
  final List<Stream> streams = new ArrayList<>();

  @BeforeEach
  void start() throws Exception {
    c = new RunningController(dir);
  }

  @AfterEach
  void stop() {
    streams.forEach(Stream::close);
    c.close();
  }

  /** One open stream of server-sent events, its events read on a thread of its own. */
  final class Stream implements AutoCloseable {
    final HttpResponse<InputStream> response;
    final BlockingQueue<String[]> events = new LinkedBlockingQueue<>();
    final Thread reader;

    Stream(String path) throws Exception {
      response = c.http.send(HttpRequest.newBuilder(URI.create(c.base() + path))
          .header("Authorization", "Bearer " + c.token).header("Accept", "text/event-stream").build(),
          HttpResponse.BodyHandlers.ofInputStream());
      reader = new Thread(this::read, "sse-reader");
      reader.setDaemon(true);
      reader.start();
      streams.add(this);
    }

    private void read() {
      try (BufferedReader r = new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8))) {
        String event = null;
        for (String line; (line = r.readLine()) != null; ) {
          if (line.startsWith("event:")) {
            event = line.substring(6).strip();
          } else if (line.startsWith("data:")) {
            events.add(new String[] {event, line.substring(5).strip()});
          }
        }
      } catch (java.io.IOException e) {
        // closed by the test
      }
    }

    JsonNode next(String event) throws Exception {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while (System.nanoTime() < deadline) {
        String[] e = events.poll(100, TimeUnit.MILLISECONDS);
        if (e != null && e[0].equals(event)) {
          return JSON.readTree(e[1]);
        }
      }
      throw new AssertionError("no '" + event + "' event within 10 s");
    }

    @Override
    public void close() {
      try {
        response.body().close();
      } catch (java.io.IOException e) {
        // already closed
      }
    }
  }

  @Test
  void thePageIsServedWithoutTheTokenUnderAStrictContentSecurityPolicy() throws Exception {
    HttpResponse<String> page = c.send(HttpRequest.newBuilder(URI.create(c.base() + "/ui/")), false);
    assertThat(page.statusCode()).isEqualTo(200);
    assertThat(page.headers().firstValue("Content-Type")).hasValueSatisfying(t -> assertThat(t).startsWith("text/html"));
    assertThat(page.headers().firstValue("Content-Security-Policy")).hasValue(WebAssets.CSP);
    assertThat(page.body()).contains("<script type=\"module\" src=\"app.js\">").doesNotContain("http://", "https://");
    for (String f : WebAssets.FILES) {
      HttpResponse<String> r = c.send(HttpRequest.newBuilder(URI.create(c.base() + "/ui/" + f)), false);
      assertThat(r.statusCode()).as(f).isEqualTo(200);
      // no external requests: nothing in the view names another origin
      assertThat(r.body()).as(f).doesNotContainPattern("(src|href)=\"https?:").doesNotContain("import('http", "from 'http");
    }
    assertThat(c.send(HttpRequest.newBuilder(URI.create(c.base() + "/ui/secret.txt")), false).statusCode())
        .isEqualTo(404);
    // a dot-dot out of /ui/ reaches no data without the token
    HttpResponse<String> out = c.send(HttpRequest.newBuilder(URI.create(c.base() + "/ui/../api/v1/conntrack")), false);
    assertThat(out.statusCode()).isIn(400, 401, 404);
    assertThat(out.body()).doesNotContain("items");
    // the Host check (DNS rebinding) holds for the page too
    assertThat(ApiHardeningTest.raw(c.api.getPort(),
        "GET /ui/ HTTP/1.1\r\nHost: rebind.attacker.example\r\nConnection: close\r\n\r\n")).startsWith("HTTP/1.1 403");
    assertThat(c.send(HttpRequest.newBuilder(URI.create(c.base() + "/ui")), false).statusCode()).isEqualTo(302);
  }

  @Test
  void theStreamsNeedTheTokenAndAnEventStreamAccept() throws Exception {
    HttpResponse<String> none = c.send(HttpRequest.newBuilder(URI.create(c.base() + "/api/v1/events/network"))
        .header("Accept", "text/event-stream"), false);
    assertThat(none.statusCode()).isEqualTo(401);
    HttpResponse<String> plain = c.get("/api/v1/events/verdicts");
    assertThat(plain.statusCode()).isEqualTo(406);
    assertThat(c.get("/api/v1/events/verdicts?addr=nope").statusCode()).isEqualTo(400);
    assertThat(c.get("/api/v1/events/verdicts?addr=10.0.0.1&x=1").statusCode()).isEqualTo(400);
  }

  @Test
  void theNetworkStreamStartsWithASnapshot() throws Exception {
    Stream s = new Stream("/api/v1/events/network");
    assertThat(s.response.statusCode()).isEqualTo(200);
    JsonNode snap = s.next("network");
    assertThat(snap.get("causes").get(0).asText()).isEqualTo("connected");
    assertThat(snap.get("switches").isArray()).isTrue();
    assertThat(snap.has("connectionEntries")).isTrue();
  }

  @Test
  void aDropArrivesWithItsRuleAndTheAddressFilterKeepsOthersOut() throws Exception {
    Stream mine = new Stream("/api/v1/events/verdicts?addr=10.0.0.9");
    Stream other = new Stream("/api/v1/events/verdicts?addr=10.0.0.77");
    awaitClients(2);
    drop(41000);
    JsonNode v = mine.next("verdict");
    assertThat(v.get("verdict").asText()).isEqualTo("DROP");
    assertThat(v.get("src").asText()).isEqualTo("10.0.0.9");
    assertThat(v.get("dport").asInt()).isEqualTo(23);
    assertThat(v.get("rule").get("chain").asText()).isEqualTo("INPUT");
    assertThat(v.get("rule").get("text").asText()).isEqualTo("policy DROP of INPUT");
    assertThat(other.events).isEmpty();
  }

  @Test
  void overFiftyASecondTheRestIsCountedNotSent() throws Exception {
    Stream s = new Stream("/api/v1/events/verdicts");
    awaitClients(1);
    for (int i = 0; i < 300; i++) {
      drop(42000 + i);
    }
    JsonNode more = s.next("more");
    int sent = (int) s.events.stream().filter(e -> e[0].equals("verdict")).count();
    assertThat(more.get("more").asInt()).isPositive();
    // within one or two windows of a second: 50 or 100 sent, the rest counted
    assertThat(sent).isLessThanOrEqualTo(2 * LiveFeeds.PER_SECOND);
    assertThat(sent + more.get("more").asInt()).isLessThanOrEqualTo(300);
  }

  @Test
  void streamsBeyondTheCapAreRefusedWith503AndTheSlotComesBack() throws Exception {
    for (int i = 0; i < LiveFeeds.MAX_CLIENTS; i++) {
      assertThat(new Stream("/api/v1/events/verdicts").response.statusCode()).isEqualTo(200);
    }
    HttpResponse<String> refused = c.http.send(HttpRequest.newBuilder(URI.create(c.base() + "/api/v1/events/network"))
        .header("Authorization", "Bearer " + c.token).header("Accept", "text/event-stream")
        .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(refused.statusCode()).isEqualTo(503);
    assertThat(refused.body()).contains("at most " + LiveFeeds.MAX_CLIENTS + " live streams");
    // /healthz and the rest still answer while the streams are open
    assertThat(c.get("/api/v1/switches").statusCode()).isEqualTo(200);
    streams.remove(0).close();
    // the server notices the closed stream at its next write (the keep-alive, within about 4 s)
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
    int status = 0;
    while (System.nanoTime() < deadline && status != 200) {
      Stream s = new Stream("/api/v1/events/network");
      status = s.response.statusCode();
      if (status != 200) {
        streams.remove(s);
        s.close();
        Thread.sleep(250);
      }
    }
    assertThat(status).isEqualTo(200);
  }

  private void drop(int clientPort) {
    TcpFlow f = new TcpFlow("10.0.0.9", clientPort, "10.0.0.1", 23);
    c.firewall.firewall().decide(f.c(Packet.TCP_SYN), Attachment.of(1, 1));
  }

  /** Streams register when their first bytes are sent: wait until the server holds them. */
  private void awaitClients(int n) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (System.nanoTime() < deadline) {
      HttpResponse<String> r = c.get("/metrics");
      if (streams.stream().allMatch(s -> s.response.statusCode() == 200) && streams.size() >= n) {
        Thread.sleep(300);
        return;
      }
      Thread.sleep(50);
    }
  }
}
