package io.statewall.it.firewall;

import io.statewall.demo.SeedLab;
import static org.assertj.core.api.Assertions.assertThat;

import io.statewall.mininet.BackgroundProcess;
import io.statewall.mininet.FlowEntry;
import io.statewall.mininet.Host;
import io.statewall.mininet.Topology;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The seed's two examples across several switches: h1 is the server (4.1), h2 the desktop (4.2),
 * h3 an FTP server and outsider without rules. Connections between h1 and h3 cross three switches;
 * the established ones must be carried by exact entries on every switch of their path.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class SeedOnPathsTest {
  FirewallNetwork fw;
  Probes probes;
  Host server;
  Host desktop;
  Host outsider;
  List<BackgroundProcess> services;
  String sum;

  abstract Topology topology();

  /** The switch sets a shortest path between h1 and h3 may take. */
  abstract List<Set<String>> pathsFromH1ToH3();

  @BeforeAll
  void start() throws Exception {
    fw = FirewallNetwork.start(FirewallNetwork.EXAMPLES.resolve("seed.yaml"), topology());
    probes = Probes.install(fw.net);
    server = fw.net.host("h1");
    desktop = fw.net.host("h2");
    outsider = fw.net.host("h3");
    String root = "/srv/statewall-paths-" + fw.net.id();
    outsider.exec("mkdir -p " + root + " /srv/statewall-ftp-empty && chmod 755 " + root
        + " && head -c 300000 /dev/urandom > " + root + "/file.bin"
        + " && printf '%s' '" + SeedLab.vsftpdConf(root) + "' > " + root + ".conf"
        + " && head -c 1000000 /dev/urandom > /tmp/statewall-paths-" + fw.net.id() + ".bin").orThrow();
    sum = outsider.exec("md5sum < " + root + "/file.bin").orThrow().stdout().trim();
    services = List.of(
        server.start("exec socat TCP-LISTEN:22,fork,reuseaddr SYSTEM:'echo SSH-2.0-statewall'"),
        server.start("cd /tmp && exec python3 -m http.server 80"),
        outsider.start("exec socat TCP-LISTEN:80,fork,reuseaddr SYSTEM:'echo outside'"),
        outsider.start("exec vsftpd " + root + ".conf"));
    Probes.awaitListening(server, "tcp", 22);
    Probes.awaitListening(server, "tcp", 80);
    Probes.awaitListening(outsider, "tcp", 80);
    Probes.awaitListening(outsider, "tcp", 21);
  }

  @AfterAll
  void stop() {
    if (fw != null) {
      if (services != null) {
        services.forEach(BackgroundProcess::close);
      }
      fw.close();
    }
  }

  @Test
  void sshAndHttpComeInAnotherPortAndNewOutboundDoNot() {
    assertThat(probes.tcp("h3", "h1", 22)).isEqualTo("connected data:18");
    assertThat(probes.http("h3", "h1", 80)).isEqualTo("http:200");
    assertThat(probes.tcp("h3", "h1", 23)).isEqualTo("dropped");
    assertThat(probes.tcp("h1", "h3", 80)).isEqualTo("dropped");
    assertThat(probes.tcp("h2", "h3", 80)).as("the desktop may only do FTP").isEqualTo("dropped");
  }

  @ParameterizedTest
  @ValueSource(strings = {"PASV", "EPSV", "PORT", "EPRT"})
  void theDesktopDownloadsInEveryMode(String mode) {
    desktop.exec("rm -f /tmp/statewall-paths.out");
    var r = desktop.exec("curl -s -m 8 --connect-timeout 4 " + SeedFtpDesktopTest.curlMode(mode)
        + " -o /tmp/statewall-paths.out ftp://10.0.0.3/file.bin && md5sum < /tmp/statewall-paths.out",
        Duration.ofSeconds(20));
    assertThat(r.stdout().trim()).isEqualTo(sum);
  }

  /**
   * Entries on every switch of the path, and the bytes did not pass the controller: the table-miss
   * entries grew by far less than the transfer. (The exact entries' own counters are not used here:
   * a packet of the connection still in flight at the controller, or a re-route, writes the entries
   * again with an OpenFlow ADD, which resets their counters; seen right after start.)
   */
  @Test
  void anEstablishedTransferIsCarriedByEverySwitchOfItsPath() {
    Map<String, Long> missBefore = tableMissBytes();
    var r = outsider.exec("curl -s -m 20 -o /dev/null -w '%{size_download}' http://10.0.0.1/statewall-paths-"
        + fw.net.id() + ".bin", Duration.ofSeconds(30));
    assertThat(r.stdout()).isEqualTo("1000000");
    Map<String, Long> missAfter = tableMissBytes();
    Set<String> carrying = new TreeSet<>();
    StringBuilder all = new StringBuilder();
    for (var sw : fw.net.switches()) {
      all.append(sw.name()).append(' ').append(sw.ofctl("dump-flows")).append('\n');
      if (!fw.connectionEntries(sw.name(), "tp_src=80", "nw_dst=10.0.0.3").isEmpty()
          && !fw.connectionEntries(sw.name(), "tp_dst=80", "nw_src=10.0.0.3").isEmpty()) {
        carrying.add(sw.name());
      }
      assertThat(missAfter.get(sw.name()) - missBefore.get(sw.name()))
          .as("bytes that reached the controller from " + sw.name()).isLessThan(100_000);
    }
    assertThat(pathsFromH1ToH3()).as("switches with the connection's exact entries:\n" + all).contains(carrying);
  }

  private Map<String, Long> tableMissBytes() {
    Map<String, Long> out = new HashMap<>();
    for (var sw : fw.net.switches()) {
      out.put(sw.name(), sw.dumpFlows().stream().filter(f -> f.priority() <= 1 /* table-miss: 0, or 1 per metered port */).mapToLong(FlowEntry::bytes).sum());
    }
    return out;
  }
}
