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

  // The machine is shared: other engineers' tests create and remove links, bridges and containers
  // at any moment. So "nothing left" is checked as: nothing that appeared while this network ran is
  // still there after it closed, plus exact checks on what this network is known to own.
  @ParameterizedTest
  @EnumSource(Backend.class)
  void closingLeavesNoContainerNamespaceLinkBridgeOrProcess(Backend backend) throws Exception {
    Snapshot before = Snapshot.take();
    Snapshot during;
    String id;
    Path stateDir;
    String privateNetns;
    try (MininetNetwork net = MininetNetwork.builder().topology(Topology.linear(2)).standalone()
        .backend(backend).start()) {
      id = net.id();
      stateDir = MininetNetwork.STATE_ROOT.resolve(id);
      net.host("h1").start("exec sleep 300"); // deliberately never stopped: close must stop it
      assertThat(net.pingAll().allReachable()).isTrue();
      during = Snapshot.take();
      String agentPid;
      if (backend == Backend.CONTAINER) {
        assertThat(during.containers()).contains("statewall-mininet-" + id);
        agentPid = Snapshot.run("docker", "inspect", "-f", "{{.State.Pid}}",
            "statewall-mininet-" + id).get(0);
      } else {
        agentPid = Files.readString(stateDir.resolve("agent.pid")).strip();
      }
      // the agent left the caller's namespace for its private one, where all the network lives
      privateNetns = Files.readSymbolicLink(Path.of("/proc", agentPid, "ns/net")).toString();
      assertThat(privateNetns)
          .isNotEqualTo(Files.readSymbolicLink(Path.of("/proc/self/ns/net")).toString());
      assertThat(processesInNetns(privateNetns)).hasSizeGreaterThan(2); // agent, OVS daemons, ...
    }
    Snapshot after = Snapshot.take();

    assertThat(after.leftoversOf(before, during)).isEqualTo(Snapshot.EMPTY);
    assertThat(after.containers()).doesNotContain("statewall-mininet-" + id);
    assertThat(processCommandLines()).noneMatch(c -> c.contains(id));
    assertThat(stateDir).doesNotExist();
    assertThat(processesInNetns(privateNetns)).isEmpty(); // so the kernel freed it and its links
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
      List<String> bridges) {

    static final Snapshot EMPTY = new Snapshot(List.of(), List.of(), List.of(), List.of());

    static Snapshot take() throws IOException, InterruptedException {
      return new Snapshot(
          run("docker", "ps", "-a", "--format", "{{.Names}}").stream()
              .filter(n -> n.startsWith("statewall-mininet-")).toList(),
          // the harness never names namespaces; a named one with its prefix would be a bug
          run("ip", "netns", "list").stream().filter(n -> n.startsWith("swmn-")).toList(),
          // ovs-netdev is the tap of any userspace-datapath OVS in this namespace (the machine's
          // own, for other tests); the harness never creates one here.
          run("ip", "-o", "link", "show").stream().map(l -> l.split(":")[1].strip())
              .filter(n -> n.matches("(h|s)\\d+(-eth\\d+)?(@.*)?")).toList(),
          run("ovs-vsctl", "--timeout=5", "list-br").stream()
              .filter(n -> n.matches("s\\d+")).toList());
    }

    /** What is here that was not there before but appeared while the network ran. */
    Snapshot leftoversOf(Snapshot before, Snapshot during) {
      return new Snapshot(left(containers, before.containers, during.containers),
          left(namespaces, before.namespaces, during.namespaces),
          left(links, before.links, during.links), left(bridges, before.bridges, during.bridges));
    }

    private static List<String> left(List<String> now, List<String> before, List<String> during) {
      return now.stream().filter(n -> !before.contains(n) && during.contains(n)).toList();
    }

    static List<String> run(String... command) throws IOException, InterruptedException {
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

  private static List<String> processCommandLines() throws IOException {
    return pids().map(p -> read(p.resolve("cmdline")).replace('\0', ' '))
        .filter(c -> !c.isBlank()).toList();
  }

  private static List<String> processesInNetns(String netns) throws IOException {
    return pids().filter(p -> {
      try {
        return Files.readSymbolicLink(p.resolve("ns/net")).toString().equals(netns);
      } catch (IOException e) {
        return false;
      }
    }).map(p -> p.getFileName().toString()).toList();
  }

  private static Stream<Path> pids() throws IOException {
    try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
      return procs.filter(p -> p.getFileName().toString().matches("\\d+")).toList().stream();
    }
  }

  private static String read(Path file) {
    try {
      return new String(Files.readAllBytes(file), StandardCharsets.UTF_8);
    } catch (IOException e) {
      return "";
    }
  }
}
