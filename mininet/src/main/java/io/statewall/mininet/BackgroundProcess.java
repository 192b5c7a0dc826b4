package io.statewall.mininet;

import com.fasterxml.jackson.databind.JsonNode;
import io.statewall.mininet.agent.AgentClient;
import java.time.Duration;
import java.util.Map;
import java.util.OptionalInt;
import java.util.regex.Pattern;

/** A command running in the background on a host; closing it stops the command and its children. */
public final class BackgroundProcess implements AutoCloseable {

  private static final Duration TIMEOUT = Duration.ofSeconds(15);

  private final AgentClient agent;
  private final Host host;
  private final String command;
  private final long id;
  private volatile boolean stopped;

  BackgroundProcess(AgentClient agent, Host host, String command, long id) {
    this.agent = agent;
    this.host = host;
    this.command = command;
    this.id = id;
  }

  public Host host() {
    return host;
  }

  public String command() {
    return command;
  }

  public boolean isAlive() {
    return !stopped && status().path("alive").asBoolean();
  }

  /** Everything it printed on stdout so far (up to the last 4 MiB). */
  public String stdout() {
    return status().path("stdout").asText();
  }

  /** Everything it printed on stderr so far (up to the last 4 MiB). */
  public String stderr() {
    return status().path("stderr").asText();
  }

  /** Its exit code once it has ended on its own or been stopped. */
  public OptionalInt exitCode() {
    JsonNode code = status().path("exitCode");
    return code.isInt() ? OptionalInt.of(code.asInt()) : OptionalInt.empty();
  }

  private JsonNode status() {
    return agent.call("background_status", Map.of("process", id), TIMEOUT);
  }

  /**
   * Waits until its stdout or stderr contains the text (e.g. a server's "listening" line); throws if
   * it ends or the timeout passes first.
   */
  public void awaitOutput(String text, Duration timeout) {
    awaitOutput(Pattern.compile(Pattern.quote(text)), timeout);
  }

  /**
   * Waits until its stdout or stderr has a match of {@code pattern} (e.g. the first of iperf3's interval
   * lines to start after a second, whatever its exact start on a loaded machine); throws if it ends or
   * the timeout passes first.
   */
  public void awaitOutput(Pattern pattern, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      JsonNode s = status();
      if (pattern.matcher(s.path("stdout").asText()).find() || pattern.matcher(s.path("stderr").asText()).find()) {
        return;
      }
      if (!s.path("alive").asBoolean()) {
        throw new MininetException("'" + command + "' on " + host.name() + " ended (exit "
            + s.path("exitCode").asText() + ") without printing '" + pattern + "'\n--- stdout ---\n"
            + s.path("stdout").asText() + "\n--- stderr ---\n" + s.path("stderr").asText());
      }
      if (System.nanoTime() > deadline) {
        throw new MininetException("'" + command + "' on " + host.name() + " did not print '" + pattern
            + "' within " + timeout);
      }
      try {
        Thread.sleep(50); // polling the agent: output arrives in a file, there is no event
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new MininetException("interrupted while waiting for output", e);
      }
    }
  }

  /** Stops it (SIGTERM, then SIGKILL after 1 s) and returns what it printed. */
  public ExecResult stop() {
    if (stopped) {
      return new ExecResult(-1, "", "");
    }
    stopped = true;
    JsonNode r = agent.call("stop_background", Map.of("process", id), TIMEOUT);
    return new ExecResult(r.path("exitCode").asInt(-1), r.path("stdout").asText(),
        r.path("stderr").asText());
  }

  @Override
  public void close() {
    try {
      stop();
    } catch (MininetException e) {
      // the network is already gone, and the command with it
    }
  }
}
