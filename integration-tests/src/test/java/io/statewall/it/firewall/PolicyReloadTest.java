package io.statewall.it.firewall;

import static org.assertj.core.api.Assertions.assertThat;

import io.statewall.netfilter.policy.PolicyLoader;
import io.statewall.mininet.BackgroundProcess;
import io.statewall.mininet.Host;
import io.statewall.mininet.Topology;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A reload that forbids port 80 on the seed's server: the offloaded entries of the HTTP connection
 * leave the switch and its next packets are judged by the new rules (and dropped), while the SSH
 * connection, which the new rules still accept, keeps its entries and goes on.
 */
class PolicyReloadTest {
  static FirewallNetwork fw;
  static Probes probes;
  static Path dir;
  static List<BackgroundProcess> echoes;

  static String policy(String rules) throws Exception {
    Path r = FirewallNetwork.write(dir, "servers-" + rules.hashCode() + ".rules", rules);
    return """
        hosts:
          - address: 10.0.0.1
            rules: %s
        offload:
          idle-timeout: 60
        """.formatted(r);
  }

  @BeforeAll
  static void start() throws Exception {
    dir = Files.createTempDirectory("statewall-reload");
    String servers = Files.readString(FirewallNetwork.EXAMPLES.resolve("seed-servers.rules"));
    fw = FirewallNetwork.start(FirewallNetwork.write(dir, "before.yaml", policy(servers)), Topology.single(2));
    probes = Probes.install(fw.net);
    Host server = fw.net.host("h1");
    echoes = List.of(server.start("exec socat TCP-LISTEN:22,fork,reuseaddr EXEC:cat"),
        server.start("exec socat TCP-LISTEN:80,fork,reuseaddr EXEC:cat"));
    Probes.awaitListening(server, "tcp", 22);
    Probes.awaitListening(server, "tcp", 80);
  }

  @AfterAll
  static void stop() {
    if (fw != null) {
      echoes.forEach(BackgroundProcess::close);
      fw.close();
    }
  }

  @Test
  void forbiddingPort80RemovesItsEntriesWhileSshGoesOn() throws Exception {
    try (BackgroundProcess ssh = probes.hold("h2", "h1", 22, "ssh", 2);
        BackgroundProcess http = probes.hold("h2", "h1", 80, "http", 2)) {
      ssh.awaitOutput("round 1 ok", Duration.ofSeconds(10));
      http.awaitOutput("round 1 ok", Duration.ofSeconds(10));
      FirewallNetwork.await("both connections offloaded both ways", Duration.ofSeconds(5),
          () -> !fw.connectionEntries("s1", "tp_dst=22").isEmpty() && !fw.connectionEntries("s1", "tp_src=22").isEmpty()
              && !fw.connectionEntries("s1", "tp_dst=80").isEmpty() && !fw.connectionEntries("s1", "tp_src=80").isEmpty());

      String servers = Files.readString(FirewallNetwork.EXAMPLES.resolve("seed-servers.rules"));
      String no80 = servers.lines().filter(l -> !l.contains("--dport 80")).reduce("", (a, b) -> a + b + "\n");
      int removed = fw.firewall.apply(new PolicyLoader().load(FirewallNetwork.write(dir, "after.yaml", policy(no80))));

      assertThat(removed).as("offloaded connections no longer carried").isEqualTo(1);
      FirewallNetwork.await("the HTTP connection's entries leave the switch", Duration.ofSeconds(5),
          () -> fw.connectionEntries("s1", "tp_dst=80").isEmpty() && fw.connectionEntries("s1", "tp_src=80").isEmpty());
      assertThat(fw.connectionEntries("s1", "tp_dst=22")).as("SSH keeps its entries").isNotEmpty();
      assertThat(fw.connectionEntries("s1", "tp_src=22")).isNotEmpty();

      probes.go("ssh2");
      probes.go("http2");
      ssh.awaitOutput("round 2", Duration.ofSeconds(10));
      http.awaitOutput("round 2", Duration.ofSeconds(10));
      assertThat(ssh.stdout()).contains("round 2 ok");
      assertThat(http.stdout()).contains("round 2 dropped");
      assertThat(probes.tcp("h2", "h1", 80)).as("a new HTTP connection").isEqualTo("dropped");
      assertThat(fw.connectionEntries("s1", "tp_dst=22").stream().mapToLong(f -> f.packets()).sum())
          .as("SSH's second round ran in the switch").isPositive();
    }
  }
}
