package io.statewall.mininet.agent;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.statewall.mininet.CommandTimeoutException;
import io.statewall.mininet.MininetException;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * Talks to the Python agent: one JSON object a line each way, requests matched to replies by id so
 * several threads can wait on the same agent at once.
 */
public final class AgentClient implements AutoCloseable {

  private final ObjectMapper json = new ObjectMapper();
  private final Socket socket;
  private final OutputStream out;
  private final Map<Long, CompletableFuture<JsonNode>> pending = new ConcurrentHashMap<>();
  private final AtomicLong nextId = new AtomicLong(1);
  private final Supplier<String> diagnostics;
  private volatile boolean closed;

  /** Connects to an agent listening on the local loopback; diagnostics explain a dead agent. */
  public AgentClient(int port, Supplier<String> diagnostics) {
    this.diagnostics = diagnostics;
    try {
      socket = new Socket();
      socket.setTcpNoDelay(true);
      socket.connect(new InetSocketAddress("127.0.0.1", port), 10_000);
      out = socket.getOutputStream();
    } catch (IOException e) {
      throw new MininetException("cannot connect to the Mininet agent on 127.0.0.1:" + port, e);
    }
    Thread reader = new Thread(this::readReplies, "mininet-agent-reader-" + port);
    reader.setDaemon(true);
    reader.start();
  }

  /** Sends one request and waits for its reply's result, turning agent errors into exceptions. */
  public JsonNode call(String op, Map<String, ?> params, Duration timeout) {
    long id = nextId.getAndIncrement();
    ObjectNode request = json.valueToTree(params);
    request.put("id", id).put("op", op);
    CompletableFuture<JsonNode> reply = new CompletableFuture<>();
    pending.put(id, reply);
    try {
      byte[] line = (json.writeValueAsString(request) + "\n").getBytes(StandardCharsets.UTF_8);
      synchronized (out) {
        if (closed) {
          throw new MininetException("the network is closed");
        }
        out.write(line);
        out.flush();
      }
      JsonNode answer = reply.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
      return unwrap(op, answer);
    } catch (IOException e) {
      throw new MininetException("the Mininet agent is gone (" + op + "): " + diagnostics.get(), e);
    } catch (TimeoutException e) {
      throw new MininetException("the Mininet agent did not answer " + op + " within " + timeout);
    } catch (ExecutionException e) {
      throw new MininetException(e.getCause().getMessage(), e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new MininetException("interrupted while waiting for " + op, e);
    } finally {
      pending.remove(id);
    }
  }

  private static JsonNode unwrap(String op, JsonNode answer) {
    if (answer.path("ok").asBoolean()) {
      return answer.path("result");
    }
    String kind = answer.path("kind").asText();
    String error = answer.path("error").asText();
    if (kind.equals("timeout")) {
      throw new CommandTimeoutException(error, answer.path("stdout").asText(""),
          answer.path("stderr").asText(""));
    }
    String trace = answer.path("trace").asText("");
    throw new MininetException(op + " failed: " + error + (trace.isEmpty() ? "" : "\n" + trace));
  }

  private void readReplies() {
    try (BufferedReader in = new BufferedReader(
        new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8))) {
      String line;
      while ((line = in.readLine()) != null) {
        JsonNode reply = json.readTree(line);
        CompletableFuture<JsonNode> waiter = pending.get(reply.path("id").asLong(-1));
        if (waiter != null) {
          waiter.complete(reply);
        }
      }
    } catch (IOException | UncheckedIOException e) {
      // falls through: every waiter learns the agent is gone
    }
    MininetException gone = new MininetException(
        closed ? "the network is closed" : "the Mininet agent exited: " + diagnostics.get());
    pending.values().forEach(f -> f.completeExceptionally(gone));
  }

  /** Asks the agent to tear the network down, then closes the connection (which also tears it down). */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    try {
      call("shutdown", Map.of(), Duration.ofSeconds(10));
    } catch (MininetException e) {
      // the agent also shuts down when the connection closes
    }
    closed = true;
    try {
      socket.close();
    } catch (IOException e) {
      // nothing left to release
    }
  }
}
