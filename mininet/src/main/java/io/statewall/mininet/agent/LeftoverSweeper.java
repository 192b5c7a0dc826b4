package io.statewall.mininet.agent;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.model.Container;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Removes what networks of dead JVMs or killed agents left behind. It only ever touches things it can
 * prove are the harness's own: containers carrying the owner label of a JVM that is gone, and state
 * directories named like a network id whose agent is gone (and, from those, processes recorded with
 * their pid and start time).
 */
public final class LeftoverSweeper {

  private static final Logger LOG = LoggerFactory.getLogger(LeftoverSweeper.class);
  static final Pattern NETWORK_ID = Pattern.compile("swmn-[0-9a-f]{8}");

  private LeftoverSweeper() {
  }

  /** Removes harness containers whose owning JVM no longer runs. */
  static void sweepContainers(DockerClient docker) {
    List<Container> containers = docker.listContainersCmd().withShowAll(true)
        .withLabelFilter(List.of(ContainerAgentLauncher.OWNER_LABEL)).exec();
    for (Container c : containers) {
      String owner = c.getLabels().get(ContainerAgentLauncher.OWNER_LABEL);
      if (owner != null && OwnedProcesses.markIsDead(owner)) {
        LOG.info("removing leftover Mininet container {} of dead JVM {}", c.getNames(), owner);
        try {
          docker.removeContainerCmd(c.getId()).withForce(true).exec();
        } catch (RuntimeException e) {
          LOG.debug("leftover container {} already gone", c.getId(), e);
        }
      }
    }
  }

  /** Removes local networks whose agent died without tearing down. */
  static void sweepLocal(Path stateRoot) {
    if (!Files.isDirectory(stateRoot)) {
      return;
    }
    try (Stream<Path> dirs = Files.list(stateRoot)) {
      dirs.filter(d -> NETWORK_ID.matcher(d.getFileName().toString()).matches())
          .filter(Files::isDirectory)
          .filter(d -> !agentAlive(d))
          .forEach(LeftoverSweeper::removeLocal);
    } catch (IOException e) {
      LOG.debug("cannot list {}", stateRoot, e);
    }
  }

  private static boolean agentAlive(Path dir) {
    try {
      long pid = Long.parseLong(Files.readString(dir.resolve("agent.pid")).strip());
      return ProcessHandle.of(pid)
          .flatMap(p -> p.info().commandLine())
          .filter(cmd -> cmd.contains("mininet_agent") && cmd.contains(dir.toString()))
          .isPresent();
    } catch (IOException | NumberFormatException e) {
      // no pid yet: an agent may be starting right now; only a stale directory is fair game
      try {
        return Files.getLastModifiedTime(dir).toMillis() > System.currentTimeMillis() - 60_000;
      } catch (IOException gone) {
        return true;
      }
    }
  }

  private static void removeLocal(Path dir) {
    LOG.info("removing leftover local Mininet network {}", dir.getFileName());
    Path owned = dir.resolve("owned-pids");
    if (Files.exists(owned)) {
      try {
        for (String line : Files.readAllLines(owned)) {
          String[] parts = line.strip().split(" ");
          if (parts.length == 2) {
            OwnedProcesses.killIfSame(Long.parseLong(parts[0]), parts[1]);
          }
        }
      } catch (IOException | NumberFormatException e) {
        LOG.debug("cannot read {}", owned, e);
      }
    }
    try (Stream<Path> files = Files.walk(dir)) {
      files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      LOG.debug("cannot remove {}", dir, e);
    }
    try {
      Files.deleteIfExists(dir.resolveSibling(dir.getFileName() + ".log"));
    } catch (IOException e) {
      LOG.debug("cannot remove the log of {}", dir, e);
    }
  }
}
