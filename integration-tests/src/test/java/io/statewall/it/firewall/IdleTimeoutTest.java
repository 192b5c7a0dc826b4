package io.statewall.it.firewall;

import static org.assertj.core.api.Assertions.assertThat;

import io.statewall.mininet.BackgroundProcess;
import io.statewall.mininet.Host;
import io.statewall.mininet.Topology;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A flow entry is a cache, not the connection: with {@code offload: idle-timeout: 2}, a TCP
 * connection that stays quiet until its entries idle out of the switch still works afterwards
 * (conntrack keeps it for its own timeout) and its next packet installs the entries again.
 */
class IdleTimeoutTest {
  static FirewallNetwork fw;
  static Probes probes;
  static BackgroundProcess echo;

  @BeforeAll
  static void start() throws Exception {
    Path dir = Files.createTempDirectory("statewall-idle");
    Path policy = FirewallNetwork.write(dir, "policy.yaml", """
        hosts:
          - address: 10.0.0.1
            rules: %s
        offload:
          idle-timeout: 2
        """.formatted(FirewallNetwork.EXAMPLES.resolve("seed-servers.rules")));
    fw = FirewallNetwork.start(policy, Topology.single(2));
    probes = Probes.install(fw.net);
    Host server = fw.net.host("h1");
    echo = server.start("exec socat TCP-LISTEN:22,fork,reuseaddr EXEC:cat");
    Probes.awaitListening(server, "tcp", 22);
  }

  @AfterAll
  static void stop() {
    if (fw != null) {
      if (echo != null) {
        echo.close();
      }
      fw.close();
    }
  }

  @Test
  void aConnectionIdleLongerThanItsEntriesStillWorks() throws Exception {
    try (BackgroundProcess c = probes.hold("h2", "h1", 22, "idle", 2)) {
      c.awaitOutput("round 1 ok", Duration.ofSeconds(10));
      FirewallNetwork.await("entries for both directions", Duration.ofSeconds(5),
          () -> !fw.connectionEntries("s1", "tp_dst=22").isEmpty()
              && !fw.connectionEntries("s1", "tp_src=22").isEmpty());
      assertThat(fw.connectionEntries("s1", "tp_dst=22").get(0).idleTimeout()).isEqualTo(2);

      FirewallNetwork.await("the idle entries leave the switch", Duration.ofSeconds(15),
          () -> fw.connectionEntries("s1", "tp_dst=22").isEmpty()
              && fw.connectionEntries("s1", "tp_src=22").isEmpty());
      assertThat(fw.firewall.tracker().list()).as("conntrack keeps the connection")
          .anyMatch(l -> l.contains("dport=22") && l.contains("ESTABLISHED"));

      probes.go("idle2");
      c.awaitOutput("round 2", Duration.ofSeconds(10));
      assertThat(c.stdout()).contains("round 2 ok");
      FirewallNetwork.await("the next packets install the entries again", Duration.ofSeconds(5),
          () -> !fw.connectionEntries("s1", "tp_dst=22").isEmpty());
    }
  }
}
