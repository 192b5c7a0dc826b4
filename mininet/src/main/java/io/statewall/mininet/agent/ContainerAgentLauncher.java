package io.statewall.mininet.agent;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.model.Capability;
import com.github.dockerjava.api.model.Device;
import io.statewall.mininet.MininetException;
import java.time.Duration;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.wait.strategy.Wait;
import org.testcontainers.utility.DockerImageName;

/**
 * Runs the agent in the harness image through Testcontainers: host networking (so switches reach a
 * controller on the host's loopback, through the agent's relay) and the capabilities ENVIRONMENT.md
 * lists instead of --privileged, which this sandbox refuses.
 */
public final class ContainerAgentLauncher implements AgentLauncher {

  private static final Logger LOG = LoggerFactory.getLogger(ContainerAgentLauncher.class);
  /** Label on every harness container; its value is the owning JVM as "pid:starttime". */
  static final String OWNER_LABEL = "io.statewall.mininet.owner";
  static final String NAME_PREFIX = "statewall-mininet-";

  @Override
  public String unavailableReason() {
    if (!"true".equalsIgnoreCase(System.getenv("TESTCONTAINERS_RYUK_DISABLED"))) {
      // The reaper image cannot be pulled here; Testcontainers would hang trying.
      return "TESTCONTAINERS_RYUK_DISABLED=true is not set (see mininet/README.md)";
    }
    DockerApiVersion.adaptToDaemon();
    try {
      if (!DockerClientFactory.instance().isDockerAvailable()) {
        return "no docker daemon answers (run scripts/setup-docker)";
      }
      DockerClient docker = DockerClientFactory.instance().client();
      if (!HarnessImage.exists(docker, HarnessImage.tag())
          && !HarnessImage.exists(docker, HarnessImage.BASE)) {
        return "docker has neither the harness image nor " + HarnessImage.BASE
            + " (run scripts/build-base-image)";
      }
      return null;
    } catch (RuntimeException e) {
      return "docker is not usable: " + e.getMessage();
    }
  }

  @Override
  public RunningAgent launch(String networkId) {
    DockerApiVersion.adaptToDaemon();
    DockerClient docker = DockerClientFactory.instance().client();
    LeftoverSweeper.sweepContainers(docker);
    String image = HarnessImage.ensure(docker);
    @SuppressWarnings("resource") // closed by ContainerAgent.close
    GenericContainer<?> container = new GenericContainer<>(DockerImageName.parse(image))
        .withNetworkMode("host")
        .withLabels(Map.of(OWNER_LABEL, OwnedProcesses.selfMark()))
        .withCommand("/tmp/statewall-mininet/" + networkId)
        .withCreateContainerCmdModifier(cmd -> {
          cmd.withName(NAME_PREFIX + networkId);
          cmd.getHostConfig()
              .withCapAdd(Capability.NET_ADMIN, Capability.SYS_ADMIN, Capability.NET_RAW)
              .withDevices(Device.parse("/dev/net/tun"))
              .withAutoRemove(true);
        })
        .waitingFor(Wait.forLogMessage(".*STATEWALL-AGENT-PORT.*", 1)
            .withStartupTimeout(Duration.ofSeconds(60)));
    try {
      container.start();
    } catch (RuntimeException e) {
      String logs = safeLogs(container);
      container.stop();
      throw new MininetException("the Mininet container did not start: " + e.getMessage()
          + "\n" + logs, e);
    }
    int port = AgentScript.portFrom(container.getLogs());
    LOG.debug("Mininet agent in container {} listens on 127.0.0.1:{}", container.getContainerId(),
        port);
    return new ContainerAgent(container, port);
  }

  private static String safeLogs(GenericContainer<?> container) {
    try {
      return container.getLogs();
    } catch (RuntimeException e) {
      return "(no container logs)";
    }
  }

  private record ContainerAgent(GenericContainer<?> container, int port) implements RunningAgent {
    @Override
    public String diagnostics() {
      String logs = safeLogs(container);
      return logs.length() > 4000 ? logs.substring(logs.length() - 4000) : logs;
    }

    @Override
    public void close() {
      String id = container.getContainerId();
      container.stop(); // the private namespace and its interfaces die with the container
      // With auto-remove the daemon may still be removing it when stop() returns: wait until it is
      // gone, so "closed" means nothing is left.
      DockerClient docker = DockerClientFactory.instance().client();
      long deadline = System.nanoTime() + 15_000_000_000L;
      while (System.nanoTime() < deadline) {
        try {
          docker.inspectContainerCmd(id).exec();
        } catch (NotFoundException e) {
          return;
        }
        try {
          Thread.sleep(50); // docker offers no cheap wait for removal
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return;
        }
      }
      LOG.warn("Mininet container {} still exists 15 s after stop", id);
    }
  }
}
