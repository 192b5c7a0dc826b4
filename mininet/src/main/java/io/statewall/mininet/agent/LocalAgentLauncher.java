package io.statewall.mininet.agent;

import io.statewall.mininet.MininetException;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Runs the agent with this machine's Mininet and Open vSwitch binaries (Debian's /usr/bin/python3). */
public final class LocalAgentLauncher implements AgentLauncher {

  private static final Logger LOG = LoggerFactory.getLogger(LocalAgentLauncher.class);
  static final String PYTHON = "/usr/bin/python3";

  private final Path stateRoot;

  public LocalAgentLauncher(Path stateRoot) {
    this.stateRoot = stateRoot;
  }

  @Override
  public String unavailableReason() {
    if (!Files.isExecutable(Path.of(PYTHON))) {
      return PYTHON + " is missing";
    }
    if (!Files.isExecutable(Path.of("/usr/bin/mnexec"))
        || !Files.isExecutable(Path.of("/usr/sbin/ovs-vswitchd"))) {
      return "Mininet or Open vSwitch is missing (apt-get install mininet openvswitch-switch)";
    }
    if (!Files.isDirectory(Path.of("/usr/lib/python3/dist-packages/mininet"))) {
      return "Mininet's Python package is missing (apt-get install mininet)";
    }
    if (!isRoot()) {
      return "the local backend needs root (network namespaces, veths)";
    }
    return null;
  }

  private static boolean isRoot() {
    try {
      return Files.readAllLines(Path.of("/proc/self/status")).stream()
          .filter(l -> l.startsWith("Uid:")).anyMatch(l -> l.split("\\s+")[1].equals("0"));
    } catch (IOException e) {
      return false;
    }
  }

  @Override
  public RunningAgent launch(String networkId) {
    try {
      Files.createDirectories(stateRoot);
      LeftoverSweeper.sweepLocal(stateRoot);
      Path script = stateRoot.resolve("mininet_agent-" + AgentScript.contentHash() + ".py");
      if (!Files.exists(script)) {
        Path tmp = Files.createTempFile(stateRoot, "agent", ".tmp");
        Files.write(tmp, AgentScript.resource(AgentScript.AGENT));
        Files.move(tmp, script, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      }
      Path log = stateRoot.resolve(networkId + ".log");
      Process process = new ProcessBuilder(PYTHON, script.toString(),
          stateRoot.resolve(networkId).toString())
          .redirectError(log.toFile())
          .redirectInput(ProcessBuilder.Redirect.PIPE)
          .start();
      CompletableFuture<Integer> port = CompletableFuture.supplyAsync(() -> readPort(process));
      try {
        return new LocalAgent(process, port.get(30, TimeUnit.SECONDS), log);
      } catch (ExecutionException | TimeoutException e) {
        process.destroyForcibly();
        throw new MininetException("the local Mininet agent did not start: " + tail(log), e);
      }
    } catch (IOException e) {
      throw new MininetException("cannot start the local Mininet agent", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new MininetException("interrupted while starting the Mininet agent", e);
    }
  }

  private static int readPort(Process process) {
    try {
      BufferedReader out = new BufferedReader(
          new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
      String line;
      while ((line = out.readLine()) != null) {
        int port = AgentScript.portFrom(line);
        if (port > 0) {
          return port;
        }
      }
      throw new MininetException("the agent exited before listening");
    } catch (IOException e) {
      throw new MininetException("cannot read the agent's output", e);
    }
  }

  static String tail(Path log) {
    try {
      List<String> lines = Files.readAllLines(log);
      return String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size()));
    } catch (IOException e) {
      return "(no agent log)";
    }
  }

  private record LocalAgent(Process process, int port, Path log) implements RunningAgent {
    @Override
    public String diagnostics() {
      return tail(log);
    }

    @Override
    public void close() {
      try {
        // The agent tears down when its client disconnects; stdin closing is a second signal.
        process.getOutputStream().close();
        if (!process.waitFor(20, TimeUnit.SECONDS)) {
          LOG.warn("Mininet agent {} did not stop in 20 s; killing it", process.pid());
          process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
        }
        Files.deleteIfExists(log);
      } catch (IOException e) {
        LOG.debug("cannot remove agent log {}", log, e);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
