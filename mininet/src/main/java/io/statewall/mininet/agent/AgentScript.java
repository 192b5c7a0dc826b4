package io.statewall.mininet.agent;

import io.statewall.mininet.MininetException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** The agent script and the harness Dockerfile, read from the module's resources. */
public final class AgentScript {

  /** Resource names, relative to this module's package root. */
  static final String AGENT = "/io/statewall/mininet/mininet_agent.py";
  static final String DOCKERFILE = "/io/statewall/mininet/Dockerfile";

  private AgentScript() {
  }

  static byte[] resource(String name) {
    try (InputStream in = AgentScript.class.getResourceAsStream(name)) {
      if (in == null) {
        throw new MininetException("resource " + name + " is missing from the classpath");
      }
      return in.readAllBytes();
    } catch (IOException e) {
      throw new MininetException("cannot read resource " + name, e);
    }
  }

  /** Hex digest of the agent and the Dockerfile: changes exactly when the image must be rebuilt. */
  static String contentHash() {
    try {
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      sha.update(resource(DOCKERFILE));
      sha.update("\0".getBytes(StandardCharsets.UTF_8));
      sha.update(resource(AGENT));
      return HexFormat.of().formatHex(sha.digest()).substring(0, 16);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JVM has SHA-256", e);
    }
  }

  /** The port line the agent prints once it listens, or -1 if this text has none yet. */
  static int portFrom(String output) {
    for (String line : output.split("\n")) {
      if (line.startsWith("STATEWALL-AGENT-PORT ")) {
        return Integer.parseInt(line.substring("STATEWALL-AGENT-PORT ".length()).strip());
      }
    }
    return -1;
  }
}
