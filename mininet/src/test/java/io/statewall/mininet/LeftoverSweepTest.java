package io.statewall.mininet;

import static org.assertj.core.api.Assertions.assertThat;

import com.github.dockerjava.api.DockerClient;
import io.statewall.mininet.agent.HarnessImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.testcontainers.DockerClientFactory;

/** The next start removes what a killed agent or a killed JVM left behind, and nothing else. */
class LeftoverSweepTest {

  @Test
  void aLocalNetworkWhoseAgentWasKilledIsSweptByTheNextStart() throws Exception {
    List<Long> owned;
    Path stateDir;
    long agentPid;
    try (MininetNetwork orphan = MininetNetwork.builder().topology(Topology.single(2)).standalone()
        .backend(Backend.LOCAL).start()) {
      orphan.host("h1").start("exec sleep 300");
      stateDir = MininetNetwork.STATE_ROOT.resolve(orphan.id());
      agentPid = Long.parseLong(Files.readString(stateDir.resolve("agent.pid")).strip());
      owned = Files.readAllLines(stateDir.resolve("owned-pids")).stream()
          .map(l -> Long.parseLong(l.split(" ")[0])).toList();

      ProcessHandle.of(agentPid).orElseThrow().destroyForcibly(); // as if kill -9'd mid-test
      awaitGone(agentPid);
      assertThat(owned.stream().filter(pid -> ProcessHandle.of(pid).isPresent()))
          .as("OVS and the background command outlive a killed agent").isNotEmpty();

      try (MininetNetwork next = MininetNetwork.builder().topology(Topology.single(1)).standalone()
          .backend(Backend.LOCAL).start()) {
        assertThat(next.id()).isNotEqualTo(orphan.id());
      }
    }

    for (long pid : owned) {
      awaitGone(pid);
    }
    assertThat(stateDir).doesNotExist();
  }

  @Test
  void containersOfDeadJvmsAreRemovedAndLiveOnesKept() throws Exception {
    try (MininetNetwork probe = MininetNetwork.builder().topology(Topology.single(1)).standalone()
        .start()) {
      if (probe.backend() != Backend.CONTAINER) {
        return; // nothing to sweep without docker
      }
    }
    DockerClient docker = DockerClientFactory.instance().client();
    String image = HarnessImage.tag();
    String dead = docker.createContainerCmd(image).withEntrypoint("sleep", "300")
        .withName("statewall-mininet-sweeptest-dead")
        .withLabels(Map.of("io.statewall.mininet.owner", "999999999:1")).exec().getId();
    String foreign = docker.createContainerCmd(image).withEntrypoint("sleep", "300")
        .withName("statewall-sweeptest-unlabelled").exec().getId();
    try {
      try (MininetNetwork net = MininetNetwork.builder().topology(Topology.single(1)).standalone()
          .start()) {
        assertThat(net.backend()).isEqualTo(Backend.CONTAINER);
      }
      List<String> ids = docker.listContainersCmd().withShowAll(true).exec().stream()
          .map(c -> c.getId()).toList();
      assertThat(ids).doesNotContain(dead).contains(foreign);
    } finally {
      docker.removeContainerCmd(foreign).withForce(true).exec();
    }
  }

  private static void awaitGone(long pid) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)
        && !isZombie(pid) && System.nanoTime() < deadline) {
      Thread.sleep(20); // the kernel gives no event for another process's exit
    }
    assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false) && !isZombie(pid))
        .as("pid %d still running", pid).isFalse();
  }

  private static boolean isZombie(long pid) {
    try {
      String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
      return stat.substring(stat.lastIndexOf(')') + 2).startsWith("Z");
    } catch (Exception e) {
      return true;
    }
  }
}
