package io.statewall.operator.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.BugDetectors;
import com.code_intelligence.jazzer.junit.DictionaryEntries;
import com.code_intelligence.jazzer.junit.FuzzTest;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.statewall.netfilter.FuzzBudget;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * Arbitrary bytes as the operator API's requests. {@link #policyBody}: the body parser of
 * {@code PUT /api/v1/policy} and the policy loader over the content it returns give a policy, a
 * 400 or a policy error naming the policy or one of the files sent (nothing is read from disk),
 * nothing else. {@link #request}: whole requests over HTTP to the real server (one controller per
 * class, on loopback, with its token), their bodies sent with a length or chunked, get an answer
 * below 500 or a closed connection, never a 500 or a hang. Seeds:
 * {@code ApiRequestFuzzTestInputs/<method>/}; see docs/fuzzing.md.
 */
class ApiRequestFuzzTest {
  private static final Pattern STATUS_LINE = Pattern.compile("^HTTP/1\\.[01] (\\d{3}) ");
  private static final ObjectMapper JSON = new ObjectMapper();

  private static Path dir;
  private static RunningController controller;

  @BeforeAll
  static void start() throws Exception {
    dir = Files.createTempDirectory("api-fuzz");
    controller = new RunningController(dir);
  }

  @AfterAll
  static void stop() throws IOException {
    if (controller != null) {
      controller.close();
    }
    try (var files = Files.walk(dir)) {
      files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }

  @DictionaryEntries({"{\"policy\": ", "\"files\": {", "\"name\": ", "\"path\"", "null", "true", "[", "]", "{",
      "}", "\"", ":", ",", "\\u0000", "\\n", "hosts:\\n  - address: 10.0.0.1\\n    rules: ", "network:\\n  rules: ",
      "a.rules", "*filter\\n", ":INPUT DROP [0:0]\\n", "-A INPUT -j ACCEPT\\n", "COMMIT\\n", "/etc/passwd", "../",
      "1e999", "\\ud800"})
  @FuzzTest(maxDuration = FuzzBudget.SESSION)
  void policyBody(byte[] data) throws Throwable {
    FuzzBudget.bounded(() -> {
      Views.PolicyRequest req;
      try {
        req = new PolicyRequestReader().read(data);
      } catch (ApiError e) {
        assertThat(e.status()).isEqualTo(400);
        assertThat(e.getMessage()).isNotBlank();
        return;
      }
      assertThat(req.name()).isNotBlank();
      assertThat(req.policy()).isNotNull();
      try {
        new io.statewall.netfilter.policy.PolicyLoader().parse(req.name(), req.policy(),
            io.statewall.netfilter.policy.PolicyFiles.of(req.files()));
      } catch (io.statewall.netfilter.policy.PolicyException e) {
        // an error is about the policy or a file that was sent: no other name, so no other file was read
        assertThat(e.file()).as(e.getMessage()).isIn(java.util.stream.Stream.concat(
            java.util.stream.Stream.of(req.name()), req.files().keySet().stream()).toArray());
      }
    });
  }

  /**
   * The input's first line is the method and the request target ({@code PUT /api/v1/policy?dry-run=1}),
   * ending in " chunked" for a body sent in chunks; the rest is the body, as JSON. The answer is read
   * to the end.
   */
  @DictionaryEntries({"GET ", "PUT ", "DELETE ", "POST ", "/api/v1/conntrack", "/api/v1/policy", "/api/v1/trace",
      "/api/v1/expectations", "/healthz", "/metrics", "?", "&", "=", "%", "dry-run=", "all=true", "src=", "dst=",
      "proto=", "sport=", "dport=", "state=", "addr=", "offset=", "limit=", "10.0.0.1", "2001:db8::1", "tcp",
      "icmpv6", "ESTABLISHED", "{\"policy\": \"", "\"files\": {\"", "hosts:\\n  - address: 10.0.0.1\\n",
      "    rules: a.rules\\n", " chunked", "*filter\\n:INPUT DROP [0:0]\\nCOMMIT\\n"})
  @FuzzTest(maxDuration = FuzzBudget.SESSION)
  void request(byte[] data) throws Throwable {
    // Jazzer's SSRF detector would report every connection: this test's one server is expected
    int port = controller.api.getPort();
    try (var allowed = BugDetectors.allowNetworkConnections(
        (host, p) -> p == port && (host.equals("127.0.0.1") || host.equals("localhost")))) {
      FuzzBudget.bounded(() -> requestOnce(data));
    }
  }

  private static void requestOnce(byte[] data) throws IOException {
    int nl = indexOf(data, (byte) '\n');
    byte[] line = nl < 0 ? data : Arrays.copyOfRange(data, 0, nl);
    byte[] body = nl < 0 ? new byte[0] : Arrays.copyOfRange(data, nl + 1, data.length);
    String requestLine = new String(line, StandardCharsets.ISO_8859_1);
    boolean chunked = requestLine.endsWith(" chunked");
    if (chunked) {
      requestLine = requestLine.substring(0, requestLine.length() - " chunked".length());
    }
    String response = exchange(requestLine, body, chunked);
    if (response.isEmpty()) {
      // Jetty may close on a request it cannot frame; the server must still serve the next one
      assertThat(exchange("GET /healthz", new byte[0], false)).as("healthz after a closed connection")
          .startsWith("HTTP/1.1 200");
      return;
    }
    Matcher m = STATUS_LINE.matcher(response);
    assertThat(m.find()).as("a status line: %s", head(response)).isTrue();
    int status = Integer.parseInt(m.group(1));
    // 505 is Jetty's answer to a request line it reads as HTTP/0.9 (no method): a framing verdict,
    // not a failure of ours; every other 5xx (500 above all) is
    assertThat(status == 505 || status < 500).as("%s -> %s", requestLine, head(response)).isTrue();
    assertThat(status).isGreaterThanOrEqualTo(200);
    int split = response.indexOf("\r\n\r\n");
    String headers = split < 0 ? response : response.substring(0, split).toLowerCase(java.util.Locale.ROOT);
    if (status >= 400 && split >= 0 && headers.contains("content-type: application/json")
        && !headers.contains("transfer-encoding: chunked")) {
      JsonNode error = JSON.readTree(response.substring(split + 4));
      assertThat(error.get("status").asInt()).as(head(response)).isEqualTo(status);
      assertThat(error.get("error").asText()).isNotBlank();
    }
  }

  private static String exchange(String requestLine, byte[] body, boolean chunked) throws IOException {
    try (Socket s = new Socket("127.0.0.1", controller.api.getPort())) {
      s.setSoTimeout(9_000);
      OutputStream out = s.getOutputStream();
      ByteArrayOutputStream req = new ByteArrayOutputStream();
      req.writeBytes((requestLine + " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
          + "Authorization: Bearer " + controller.token + "\r\n"
          + (chunked ? "Transfer-Encoding: chunked\r\n" : "Content-Length: " + body.length + "\r\n")
          + "Connection: close\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
      if (chunked) {
        // chunks of 1, 2, 4, ... bytes: the body is counted across chunk boundaries
        int size = 1;
        for (int at = 0; at < body.length; at += size, size *= 2) {
          int n = Math.min(size, body.length - at);
          req.writeBytes((Integer.toHexString(n) + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
          req.write(body, at, n);
          req.writeBytes("\r\n".getBytes(StandardCharsets.ISO_8859_1));
        }
        req.writeBytes("0\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
      } else {
        req.writeBytes(body);
      }
      try {
        out.write(req.toByteArray());
        out.flush();
      } catch (IOException e) {
        // the server may answer and close before reading a body it refuses (413): read what it said
      }
      try {
        return new String(s.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
      } catch (java.net.SocketException e) {
        return ""; // reset after an answer it gave while we were still sending
      }
    }
  }

  private static int indexOf(byte[] a, byte b) {
    for (int i = 0; i < a.length; i++) {
      if (a[i] == b) {
        return i;
      }
    }
    return -1;
  }

  private static String head(String response) {
    return response.length() > 300 ? response.substring(0, 300) : response;
  }
}
