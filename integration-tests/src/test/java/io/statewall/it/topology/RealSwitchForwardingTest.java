package io.statewall.it.topology;

import static org.assertj.core.api.Assertions.assertThat;

import io.statewall.it.topology.InstalledEntries.TcpConnection;
import io.statewall.mininet.Host;
import io.statewall.mininet.PingMatrix;
import io.statewall.mininet.Topology;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Topology and open forwarding on one Mininet network of real Open vSwitch switches, shared by the
 * class's tests: the controller discovers the cabling, every host reaches every other by ping and
 * by TCP, and a transfer leaves exact entries on exactly one shortest path. Subclasses give the
 * shape and add what is special about it.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
abstract class RealSwitchForwardingTest {

  /** Each host's first ping waits for ARP through the controller; later ones are immediate. */
  private static final Duration PING_DEADLINE = Duration.ofSeconds(3);
  private static final int BLOB_BYTES = 256 * 1024;

  protected ForwardingNetwork n;
  protected WebServers web;

  abstract Topology topology();

  /** Client-server pairs whose connection entries are checked switch by switch. */
  abstract List<List<String>> entryCheckPairs();

  @BeforeAll
  void startNetwork() throws Exception {
    n = ForwardingNetwork.start(topology());
    web = WebServers.start(n.net(), BLOB_BYTES);
  }

  @AfterAll
  void stopNetwork() {
    try {
      if (web != null) {
        web.close();
      }
    } finally {
      if (n != null) {
        long failures = n.controller().listenerFailures();
        n.close();
        assertThat(failures).as("no app listener threw while the network ran").isZero();
      }
    }
  }

  @Test
  @Order(1)
  void controllerDiscoversExactlyTheCabling() {
    assertThat(n.service().links()).isEqualTo(n.wiring().links());
    for (String h : n.wiring().hosts()) {
      assertThat(n.service().isInterSwitchPort(n.attachment(h))).as("%s's port faces a host", h)
          .isFalse();
    }
  }

  @Test
  @Order(2)
  void everyHostPingsEveryOtherHost() {
    long t0 = System.nanoTime();
    PingMatrix m = n.net().pingAll(PING_DEADLINE);
    System.out.printf("[topology-it] %s ping-all in %d ms%n", topology(),
        (System.nanoTime() - t0) / 1_000_000);
    assertThat(m.unreached()).as("%s", m).isEmpty();
    assertThat(m.allReachable()).isTrue();
    for (String h : n.wiring().hosts()) {
      assertThat(n.service().host(org.projectfloodlight.openflow.types.MacAddress.of(
          n.host(h).mac()))).as("%s learned at its own port", h)
          .hasValueSatisfying(host -> assertThat(host.attachment()).isEqualTo(n.attachment(h)));
    }
  }

  @Test
  @Order(3)
  void tcpTransferBetweenEveryPair() throws Exception {
    List<Host> hosts = n.net().hosts();
    long t0 = System.nanoTime();
    ExecutorService pool = Executors.newFixedThreadPool(hosts.size());
    try {
      List<Future<Map<String, String>>> results = new ArrayList<>();
      for (Host client : hosts) {
        List<Host> others = hosts.stream().filter(h -> h != client).toList();
        results.add(pool.submit(() -> web.fetchFromEach(client, others)));
      }
      for (int i = 0; i < hosts.size(); i++) {
        Map<String, String> got = results.get(i).get();
        for (Host server : hosts) {
          if (server != hosts.get(i)) {
            assertThat(got.get(server.ip())).as("%s fetched the whole file from %s",
                hosts.get(i).name(), server.name()).isEqualTo(web.sha256());
          }
        }
      }
    } finally {
      pool.shutdownNow();
    }
    System.out.printf("[topology-it] %s TCP between all %d ordered pairs in %d ms%n", topology(),
        hosts.size() * (hosts.size() - 1), (System.nanoTime() - t0) / 1_000_000);
  }

  @Test
  @Order(4)
  void aTransfersEntriesAreExactAndOnlyOnOneShortestPath() {
    int clientPort = 41_000;
    for (List<String> pair : entryCheckPairs()) {
      Host client = n.host(pair.get(0));
      Host server = n.host(pair.get(1));
      clientPort++;
      web.fetchFrom(client, server, clientPort);
      TcpConnection c = new TcpConnection(client, clientPort, server, WebServers.PORT);
      List<InstalledEntries.SwitchEntry> entries = InstalledEntries.of(n.net(), n.wiring(), c);
      List<String> path = InstalledEntries.assertExactAlongOnePath(entries, n.wiring(), c);
      System.out.printf("[topology-it] %s %s:%d -> %s:%d entries on %s%n", topology(),
          client.name(), clientPort, server.name(), WebServers.PORT, path);
    }
  }
}
