package io.statewall.operator.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

/** Talks to a running controller's API for the CLI: JSON in and out, every failure one line. */
final class ApiClient {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final String base;
  private final Optional<String> token;
  /** Where the token was looked for, for the message of a 401. */
  private final Path tokenFile;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(3)).build();

  /** {@code hostPort} is HOST:PORT (plain HTTP), or a URL base such as https://HOST:PORT. */
  ApiClient(String hostPort, Optional<String> token) {
    this(hostPort, token, null);
  }

  ApiClient(String hostPort, Optional<String> token, Path tokenFile) {
    this.tokenFile = tokenFile;
    this.base = hostPort.startsWith("http://") || hostPort.startsWith("https://")
        ? hostPort.replaceAll("/+$", "") : "http://" + hostPort;
    this.token = token;
  }

  /** The API's base URL (http://HOST:PORT or https://...), without a trailing slash. */
  String base() {
    return base;
  }

  /** The bearer token, if one was found. */
  Optional<String> token() {
    return token;
  }

  /** A request that did not succeed: no controller, or the API's error message. */
  static final class Failure extends Exception {
    private static final long serialVersionUID = 1L;

    /** The API's JSON error body, when there was one. */
    final transient JsonNode body;

    Failure(String message, JsonNode body) {
      super(message);
      this.body = body;
    }
  }

  JsonNode get(String path, Map<String, String> query) throws Failure {
    return send(HttpRequest.newBuilder(uri(path, query)).GET());
  }

  JsonNode post(String path, Map<String, String> query) throws Failure {
    return send(HttpRequest.newBuilder(uri(path, query)).POST(HttpRequest.BodyPublishers.noBody()));
  }

  JsonNode delete(String path, Map<String, String> query) throws Failure {
    return send(HttpRequest.newBuilder(uri(path, query)).DELETE());
  }

  JsonNode put(String path, Map<String, String> query, Object body) throws Failure {
    try {
      return send(HttpRequest.newBuilder(uri(path, query)).header("Content-Type", "application/json")
          .PUT(HttpRequest.BodyPublishers.ofByteArray(JSON.writeValueAsBytes(body))));
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new Failure("cannot encode the request: " + e.getOriginalMessage(), null);
    }
  }

  private URI uri(String path, Map<String, String> query) throws Failure {
    String q = query.entrySet().stream().filter(e -> e.getValue() != null)
        .map(e -> enc(e.getKey()) + "=" + enc(e.getValue())).collect(Collectors.joining("&"));
    try {
      return URI.create(base + path + (q.isEmpty() ? "" : "?" + q));
    } catch (IllegalArgumentException e) {
      throw new Failure("--api " + base + " is not HOST:PORT or a URL", null);
    }
  }

  private static String enc(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }

  private JsonNode send(HttpRequest.Builder b) throws Failure {
    token.ifPresent(t -> b.header("Authorization", "Bearer " + t));
    HttpResponse<String> r;
    try {
      r = http.send(b.timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
    } catch (ConnectException | HttpConnectTimeoutException e) {
      throw new Failure("no controller answers at " + base + " (is `statewall run` up, with --api there?)", null);
    } catch (HttpTimeoutException e) {
      throw new Failure("the controller at " + base + " did not answer in time", null);
    } catch (IOException e) {
      throw new Failure("cannot talk to the controller at " + base + ": " + e, null);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new Failure("interrupted", null);
    }
    JsonNode body;
    try {
      body = r.body().isEmpty() ? JSON.nullNode() : JSON.readTree(r.body());
    } catch (IOException e) {
      throw new Failure(base + " answered " + r.statusCode() + " with something that is not JSON", null);
    }
    if (r.statusCode() >= 400) {
      String msg = body.hasNonNull("error") ? body.get("error").asText() : "HTTP " + r.statusCode();
      if (r.statusCode() == 401 && tokenFile != null) {
        msg += token.isEmpty() ? " (no token file " + tokenFile + ": give --api-token-file)"
            : " (the token read from " + tokenFile + ")";
      }
      throw new Failure(msg, body);
    }
    return body;
  }
}
