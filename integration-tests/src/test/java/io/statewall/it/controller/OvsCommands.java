package io.statewall.it.controller;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/** Runs Open vSwitch's command-line tools for the real-switch tests, each bounded by a timeout. */
final class OvsCommands {
  private OvsCommands() {}

  /** Runs a command and returns its stdout; fails on a non-zero exit or after 30 s. */
  static String run(String... command) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(command).redirectErrorStream(false).start();
    if (!p.waitFor(30, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new IOException("timed out: " + String.join(" ", command));
    }
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
    if (p.exitValue() != 0) {
      throw new IOException(String.join(" ", command) + " exited " + p.exitValue() + ": " + err.trim());
    }
    return out;
  }

  static boolean succeeds(String... command) throws InterruptedException {
    try {
      run(command);
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  /** Starts OVS with the repository's script when ovsdb/vswitchd do not answer. */
  static void ensureRunning() throws IOException, InterruptedException {
    if (succeeds("ovs-vsctl", "--timeout=5", "show")) {
      return;
    }
    run(repositoryRoot().resolve("scripts/start-ovs").toString());
  }

  static Path repositoryRoot() {
    for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
      if (Files.isExecutable(dir.resolve("scripts/start-ovs"))) {
        return dir;
      }
    }
    throw new IllegalStateException("no scripts/start-ovs above " + Path.of("").toAbsolutePath());
  }

  /** A bridge name no other test run uses (interface names are at most 15 characters). */
  static String uniqueBridgeName() throws IOException, InterruptedException {
    List<String> existing = List.of(run("ovs-vsctl", "--timeout=5", "list-br").split("\\R"));
    while (true) {
      String name = "swtest" + ThreadLocalRandom.current().nextInt(100_000, 1_000_000);
      if (!existing.contains(name)) {
        return name;
      }
    }
  }

  /**
   * A fail-secure userspace bridge offering {@code protocols} ("OpenFlow10|OpenFlow13" style; ovs-vsctl
   * wants a comma-separated set), pointed at {@code controllerTarget}.
   */
  static void addBridge(String bridge, String protocols, String controllerTarget)
      throws IOException, InterruptedException {
    run("ovs-vsctl", "--timeout=10", "add-br", bridge,
        "--", "set", "bridge", bridge, "datapath_type=netdev", "fail_mode=secure", "protocols=" + protocols.replace('|', ','),
        "--", "set-controller", bridge, controllerTarget);
  }

  static void deleteBridge(String bridge) throws IOException, InterruptedException {
    run("ovs-vsctl", "--timeout=10", "--if-exists", "del-br", bridge);
  }

  static long datapathId(String bridge) throws IOException, InterruptedException {
    String quoted = run("ovs-vsctl", "--timeout=5", "get", "bridge", bridge, "datapath_id").trim();
    return Long.parseUnsignedLong(quoted.replace("\"", ""), 16);
  }
}
