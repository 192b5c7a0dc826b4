package io.statewall.it.firewall;

import static org.assertj.core.api.Assertions.assertThat;

import io.statewall.mininet.BackgroundProcess;
import io.statewall.mininet.FlowEntry;
import io.statewall.mininet.Host;
import io.statewall.mininet.Topology;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The seed's example 4.1 on real switches: h1 runs SSH (22) and HTTP (80) servers behind
 * {@code examples/seed-servers.rules}; h4 is an outsider without rules of its own.
 */
class SeedServersTest {
  static FirewallNetwork fw;
  static Host server;
  static Host outsider;
  static List<BackgroundProcess> services;

  @BeforeAll
  static void start() throws Exception {
    fw = FirewallNetwork.start(FirewallNetwork.EXAMPLES.resolve("seed.yaml"), Topology.single(4));
    server = fw.net.host("h1");
    outsider = fw.net.host("h4");
    services = List.of(
        server.start("socat TCP-LISTEN:22,fork,reuseaddr SYSTEM:'echo SSH-2.0-statewall'"),
        server.start("socat TCP-LISTEN:23,fork,reuseaddr SYSTEM:'echo telnet'"),
        server.start("cd /tmp && exec python3 -m http.server 80"),
        outsider.start("socat TCP-LISTEN:80,fork,reuseaddr SYSTEM:'echo outside'"));
    for (int port : new int[] {22, 23, 80}) {
      awaitListening(server, port);
    }
    awaitListening(outsider, 80);
  }

  private static void awaitListening(Host h, int port) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (!h.exec("ss -ltn 'sport = :" + port + "' | grep -q LISTEN").succeeded()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError(h.name() + " does not listen on " + port);
      }
      Thread.sleep(50);
    }
  }

  @AfterAll
  static void stop() {
    if (fw != null) {
      services.forEach(BackgroundProcess::close);
      fw.close();
    }
  }

  @Test
  void sshAndHttpComeIn() {
    assertThat(outsider.exec("nc -w 3 10.0.0.1 22", Duration.ofSeconds(10)).stdout()).contains("SSH-2.0");
    var http = outsider.exec("curl -s -m 5 -o /dev/null -w '%{http_code}' http://10.0.0.1/", Duration.ofSeconds(10));
    assertThat(http.stdout()).isEqualTo("200");
  }

  @Test
  void anotherPortIsDropped() {
    var r = outsider.exec("nc -z -w 2 10.0.0.1 23", Duration.ofSeconds(10));
    assertThat(r.exitCode()).isNotZero();
  }

  @Test
  void theServerCannotOpenNewConnections() {
    var r = server.exec("curl -s -m 3 http://10.0.0.4/", Duration.ofSeconds(10));
    assertThat(r.exitCode()).isNotZero();
    assertThat(outsider.exec("nc -w 3 10.0.0.4 80", Duration.ofSeconds(10)).stdout()).contains("outside");
  }

  /**
   * The replies are carried by an exact entry, and the bytes did not pass the controller (the
   * table-miss entry grew by far less than the transfer). The exact entry's own counters are not
   * used: a packet still in flight at the controller writes the entries again, which resets them.
   */
  @Test
  void anEstablishedTransferRunsInTheSwitch() {
    server.exec("head -c 2000000 /dev/urandom > /tmp/big.bin");
    long missBefore = tableMissBytes();
    var r = outsider.exec("curl -s -m 20 -o /tmp/big.out -w '%{size_download}' http://10.0.0.1/big.bin",
        Duration.ofSeconds(30));
    assertThat(r.stdout()).isEqualTo("2000000");
    List<FlowEntry> ours = fw.connectionEntries("s1", "tp_src=80");
    assertThat(ours).as("the server's replies are carried by an exact entry").isNotEmpty();
    assertThat(tableMissBytes() - missBefore).as("bytes that reached the controller").isLessThan(200_000);
  }

  private static long tableMissBytes() {
    return fw.net.ovsSwitch("s1").dumpFlows().stream().filter(f -> f.priority() <= 1 /* table-miss: 0, or 1 per metered port */)
        .mapToLong(FlowEntry::bytes).sum();
  }

  @Test
  void teardownOfAnOffloadedConnectionReachesConntrack() throws InterruptedException {
    var r = outsider.exec("curl -s -m 10 -o /dev/null --local-port 41000 http://10.0.0.1/big.bin || "
        + "curl -s -m 10 -o /dev/null --local-port 41000 http://10.0.0.1/", Duration.ofSeconds(30));
    assertThat(r.exitCode()).isZero();
    // the FIN/RST traps send the closing segments to the controller: conntrack leaves ESTABLISHED
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    List<String> lines;
    do {
      lines = fw.firewall.tracker().list().stream().filter(l -> l.contains("sport=41000 ")).toList();
      if (!lines.isEmpty() && lines.stream().noneMatch(l -> l.contains(" ESTABLISHED "))) {
        break;
      }
      Thread.sleep(50);
    } while (System.nanoTime() < deadline);
    assertThat(lines).as("conntrack's view of the closed connection").isNotEmpty()
        .noneMatch(l -> l.contains(" ESTABLISHED "));
  }
}
