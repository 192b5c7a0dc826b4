package io.statewall.mininet.agent;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes Testcontainers speak the daemon's API version. Testcontainers 2.0 asks for API 1.44 unless
 * told otherwise, and Debian 12's docker.io (20.10) answers at most 1.41 ("client version 1.44 is too
 * new"). docker-java reads the {@code api.version} system property, so when neither it nor
 * DOCKER_API_VERSION is set and the daemon is older, this sets it to the daemon's version.
 */
final class DockerApiVersion {

  private static final Logger LOG = LoggerFactory.getLogger(DockerApiVersion.class);
  private static final String PROPERTY = "api.version";
  private static final double TESTCONTAINERS_DEFAULT = 1.44;

  private DockerApiVersion() {
  }

  static synchronized void adaptToDaemon() {
    if (System.getProperty(PROPERTY) != null || System.getenv("DOCKER_API_VERSION") != null) {
      return;
    }
    daemonVersion().ifPresent(version -> {
      if (Double.parseDouble(version) < TESTCONTAINERS_DEFAULT) {
        LOG.info("docker daemon speaks API {} (older than Testcontainers' default {}); using it",
            version, TESTCONTAINERS_DEFAULT);
        System.setProperty(PROPERTY, version);
      }
    });
  }

  /** The daemon's own API version from GET /version on its unix socket, if it answers. */
  static Optional<String> daemonVersion() {
    Path socket = socketPath();
    if (!Files.exists(socket)) {
      return Optional.empty();
    }
    try (SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX)) {
      channel.connect(UnixDomainSocketAddress.of(socket));
      channel.write(ByteBuffer.wrap(
          "GET /version HTTP/1.0\r\nHost: docker\r\n\r\n".getBytes(StandardCharsets.US_ASCII)));
      ByteBuffer buffer = ByteBuffer.allocate(64 * 1024);
      while (buffer.hasRemaining() && channel.read(buffer) >= 0) {
        // read until the daemon closes (HTTP/1.0) or the bounded buffer is full
      }
      String response = new String(buffer.array(), 0, buffer.position(), StandardCharsets.UTF_8);
      int body = response.indexOf("\r\n\r\n");
      if (body < 0) {
        return Optional.empty();
      }
      String version = new ObjectMapper().readTree(response.substring(body + 4))
          .path("ApiVersion").asText("");
      return version.matches("\\d+\\.\\d+") ? Optional.of(version) : Optional.empty();
    } catch (IOException | RuntimeException e) {
      LOG.debug("cannot ask the docker daemon for its version", e);
      return Optional.empty();
    }
  }

  private static Path socketPath() {
    String host = System.getenv("DOCKER_HOST");
    if (host != null && host.startsWith("unix://")) {
      return Path.of(host.substring("unix://".length()));
    }
    return Path.of("/var/run/docker.sock");
  }
}
