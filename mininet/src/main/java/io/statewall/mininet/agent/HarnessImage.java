package io.statewall.mininet.agent;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.command.BuildImageResultCallback;
import com.github.dockerjava.api.exception.NotFoundException;
import io.statewall.mininet.MininetException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The harness's docker image, tagged with a hash of its Dockerfile and agent so it is built once and
 * rebuilt only when either changes.
 */
public final class HarnessImage {

  private static final Logger LOG = LoggerFactory.getLogger(HarnessImage.class);
  static final String REPOSITORY = "statewall-mininet-harness";
  static final String BASE = "debian:bookworm-slim";

  private HarnessImage() {
  }

  /** The tag for the current Dockerfile and agent. */
  public static String tag() {
    return REPOSITORY + ":" + AgentScript.contentHash();
  }

  static boolean exists(DockerClient docker, String image) {
    try {
      docker.inspectImageCmd(image).exec();
      return true;
    } catch (NotFoundException e) {
      return false;
    }
  }

  /** Builds the image unless the daemon has it; returns its tag. */
  static synchronized String ensure(DockerClient docker) {
    String tag = tag();
    if (exists(docker, tag)) {
      return tag;
    }
    if (!exists(docker, BASE)) {
      throw new MininetException("the docker daemon has no " + BASE
          + " image and no registry is reachable: run scripts/build-base-image");
    }
    long start = System.nanoTime();
    Path context = null;
    try {
      context = Files.createTempDirectory("statewall-harness-image");
      Files.write(context.resolve("Dockerfile"), AgentScript.resource(AgentScript.DOCKERFILE));
      Files.write(context.resolve("mininet_agent.py"), AgentScript.resource(AgentScript.AGENT));
      LOG.info("building Mininet harness image {} (first use of this Dockerfile/agent)", tag);
      // Host networking: the daemon runs without a bridge, so apt inside the build needs the host's.
      docker.buildImageCmd(context.toFile())
          .withTags(Set.of(tag))
          .withNetworkMode("host")
          .withPull(false)
          .exec(new BuildImageResultCallback())
          .awaitImageId(15, TimeUnit.MINUTES);
      LOG.info("built Mininet harness image {} in {} s", tag,
          (System.nanoTime() - start) / 1_000_000_000);
      return tag;
    } catch (IOException | RuntimeException e) {
      throw new MininetException("cannot build the Mininet harness image " + tag + ": " + e, e);
    } finally {
      deleteTree(context);
    }
  }

  private static void deleteTree(Path dir) {
    if (dir == null) {
      return;
    }
    try (Stream<Path> files = Files.walk(dir)) {
      files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      LOG.debug("cannot remove {}", dir, e);
    }
  }
}
