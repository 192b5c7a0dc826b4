package io.statewall.mininet;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Closing a network leaves nothing behind, and parallel networks do not collide. */
class HygieneTest {

  @ParameterizedTest
  @EnumSource(Backend.class)
  void closingLeavesNoContainerNamespaceLinkBridgeOrProcess(Backend backend) throws Exception {
    Snapshot before = Snapshot.take();
    String id;
    String stateDir;
    try (MininetNetwork net = MininetNetwork.builder().topology(Topology.linear(2)).standalone()
        .backend(backend).start()) {
      id = net.id();
      stateDir = MininetNetwork.STATE_ROOT.resolve(id).toString();
      net.host("h1").start("exec sleep 300"); // deliberately never stopped: close must stop it
      assertThat(net.pingAll().allReachable()).isTrue();
      if (net.backend() == Backend.CONTAINER) {
        assertThat(Snapshot.take().containers).contains("statewall-mininet-" + id);
      }
    }
    Snapshot after = Snapshot.take();

    assertThat(after.containers).doesNotContain("statewall-mininet-" + id);
    assertThat(after.processesMentioning(id)).isEmpty();
    assertThat(after.processesMentioning(stateDir)).isEmpty();
    assertThat(Path.of(stateDir)).doesNotExist();
    assertThat(after).usingRecursiveComparison().ignoringFields("processes").isEqualTo(before);
  }

  @Test
  void twoNetworksStartedInParallelDoNotCollide() throws Exception {
    CompletableFuture<MininetNetwork> a = CompletableFuture.supplyAsync(
        () -> MininetNetwork.builder().topology(Topology.single(2)).standalone().start());
    CompletableFuture<MininetNetwork> b = CompletableFuture.supplyAsync(
        () -> MininetNetwork.builder().topology(Topology.single(2)).standalone().start());
    try (MininetNetwork netA = a.get(120, TimeUnit.SECONDS);
        MininetNetwork netB = b.get(120, TimeUnit.SECONDS)) {
      assertThat(netA.id()).isNotEqualTo(netB.id());
      assertThat(netA.pingAll().allReachable()).isTrue();
      assertThat(netB.pingAll().allReachable()).isTrue();
      // same names, same addresses, separate worlds
      assertThat(netA.host("h1").ip()).isEqualTo(netB.host("h1").ip());
    }
  }

  /** What the machine shows that a network could leave behind, filtered to harness-like names. */
  record Snapshot(List<String> containers, List<String> namespaces, List<String> links,
      List<String> bridges, List<String> processes) {

    static Snapshot take() throws IOException, InterruptedException {
      return new Snapshot(
          run("docker", "ps", "-a", "--format", "{{.Names}}").stream()
              .filter(n -> n.startsWith("statewall-mininet-")).toList(),
          run("ip", "netns", "list"),
          run("ip", "-o", "link", "show").stream().map(l -> l.split(":")[1].strip())
              .filter(n -> n.matches("(h|s)\\d+(-eth\\d+)?(@.*)?|ovs-netdev")).toList(),
          run("ovs-vsctl", "--timeout=5", "list-br").stream()
              .filter(n -> n.matches("s\\d+")).toList(),
          runningProcesses());
    }

    List<String> processesMentioning(String text) {
      return processes.stream().filter(p -> p.contains(text)).toList();
    }

    private static List<String> runningProcesses() throws IOException {
      try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
        return procs.filter(p -> p.getFileName().toString().matches("\\d+"))
            .map(p -> {
              try {
                return new String(Files.readAllBytes(p.resolve("cmdline")), StandardCharsets.UTF_8)
                    .replace('\0', ' ');
              } catch (IOException e) {
                return "";
              }
            }).filter(c -> !c.isBlank()).toList();
      }
    }

    private static List<String> run(String... command) throws IOException, InterruptedException {
      Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!p.waitFor(Duration.ofSeconds(20).toMillis(), TimeUnit.MILLISECONDS)) {
        p.destroyForcibly();
      }
      return p.exitValue() == 0
          ? Arrays.stream(out.split("\n")).filter(l -> !l.isBlank()).sorted().toList()
          : List.of();
    }
  }
}
