package io.statewall.it.resilience;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.statewall.firewall.Firewall;
import io.statewall.firewall.FlowReconciler;
import io.statewall.firewall.forwarding.ConnectionCookie;
import io.statewall.firewall.forwarding.ExactMatch;
import io.statewall.netfilter.packet.Packet;
import io.statewall.controller.switches.SwitchHandle;
import io.statewall.mininet.BackgroundProcess;
import io.statewall.mininet.FlowEntry;
import io.statewall.mininet.Topology;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.projectfloodlight.openflow.types.DatapathId;
import org.projectfloodlight.openflow.types.IPv4Address;
import org.projectfloodlight.openflow.types.MacAddress;

/**
 * A switch whose controller connection is cut (closed from the controller's side) and comes back:
 * the handshake keeps its flow table, the reconciler keeps the entries of tracked connections and
 * removes the rest, and the established connections never notice: a held connection answers every
 * round and an iperf3 transfer across the cut never stalls, without a packet-in of either.
 */
class SwitchReconnectTest {
  static final int SSH = 22;
  static final int WEB = 80;
  private final AtomicInteger judgedAfterOffload = new AtomicInteger();
  private volatile boolean counting;
  private final Firewall.DecisionListener listener = (p, at, j) -> {
    // FIN and RST come by their traps on purpose: count the rest, which a reconnect must not bring
    if (counting && p.isTcp() && (p.tcpFlags() & (Packet.TCP_FIN | Packet.TCP_RST)) == 0
        && (p.dstPort() == SSH || p.srcPort() == SSH || p.dstPort() == WEB || p.srcPort() == WEB)) {
      judgedAfterOffload.incrementAndGet();
    }
  };
  private RestartableFirewall fw;

  @AfterEach
  void stop() {
    if (fw != null) {
      fw.close();
    }
  }

  static Path policy(Path dir, String rules) throws Exception {
    Path r = RestartableFirewall.write(dir, "servers-" + Integer.toHexString(rules.hashCode()) + ".rules", rules);
    return RestartableFirewall.write(dir, "policy-" + Integer.toHexString(rules.hashCode()) + ".yaml", """
        hosts:
          - address: 10.0.0.1
            rules: %s
        offload:
          idle-timeout: 60
        """.formatted(r));
  }

  @Test
  void establishedConnectionsKeepFlowingAcrossAReconnectAndStaleEntriesGo() throws Exception {
    Path dir = Files.createTempDirectory("statewall-reconnect");
    String servers = Files.readString(RestartableFirewall.EXAMPLES.resolve("seed-servers.rules"));
    fw = new RestartableFirewall(listener);
    RestartableFirewall.Running c = fw.startController(policy(dir, servers));
    fw.startNetwork(Topology.single(2));
    DatapathId s1 = DatapathId.of(fw.net.ovsSwitch("s1").dpid());
    RestartableFirewall.await("s1's first reconciliation", Duration.ofSeconds(10),
        () -> !c.reconciler().reports().isEmpty());

    try (BackgroundProcess echo = fw.echo("h1", SSH);
        BackgroundProcess iperfServer = fw.net.host("h1").start("exec iperf3 -s -1 -p " + WEB);
        BackgroundProcess held = fw.hold("h2", "h1", SSH, "ssh", 4)) {
      held.awaitOutput("round 1 ok", Duration.ofSeconds(10));
      RestartableFirewall.await("the held connection is offloaded both ways", Duration.ofSeconds(5),
          () -> !fw.connectionEntries("s1", "tp_dst=22").isEmpty() && !fw.connectionEntries("s1", "tp_src=22").isEmpty());
      RestartableFirewall.await("iperf3 listens", Duration.ofSeconds(10),
          () -> fw.net.host("h1").exec("ss -ltn 'sport = :80' | grep -q :80").succeeded());
      BackgroundProcess iperf = fw.net.host("h2").start("exec iperf3 -c 10.0.0.1 -p " + WEB + " -t 8 -i 0.5 -J");

      // stale entries a reconnect must remove: someone else's, and one of ours for no tracked connection
      fw.net.ovsSwitch("s1").ofctl("add-flow", "priority=50,ip,nw_dst=10.0.0.99,actions=drop");
      ExactMatch ghost = new ExactMatch(Packet.ETH_IPV4, MacAddress.of(fw.mac("h2")), MacAddress.of(fw.mac("h1")), -1,
          IPv4Address.of("10.0.0.2"), IPv4Address.of("10.0.0.1"), Packet.PROTO_TCP, 40999, SSH, -1, -1);
      fw.net.ovsSwitch("s1").ofctl("add-flow", String.format(
          "cookie=0x%x,priority=100,tcp,in_port=2,dl_src=%s,dl_dst=%s,nw_src=10.0.0.2,nw_dst=10.0.0.1,tp_src=40999,tp_dst=22,actions=output:1",
          ConnectionCookie.of(ghost).getValue(), fw.mac("h2"), fw.mac("h1")));
      // iperf3's control and data connections offloaded: the cut comes mid-transfer
      RestartableFirewall.await("iperf3's connections offloaded", Duration.ofSeconds(5),
          () -> fw.connectionEntries("s1", "tp_dst=80").size() >= 2);
      int entriesBefore = fw.connectionEntries("s1").size();
      counting = true;
      int reportsBefore = c.reconciler().reports().size();

      long cut = System.nanoTime();
      c.controller().switches().get(s1).ifPresent(SwitchHandle::disconnect);
      RestartableFirewall.await("s1 reconnects and is reconciled", Duration.ofSeconds(15),
          () -> c.reconciler().reports().size() > reportsBefore);
      double outageSeconds = (System.nanoTime() - cut) / 1e9;
      FlowReconciler.Report r = c.reconciler().reports().get(c.reconciler().reports().size() - 1);

      fw.go("ssh2");
      held.awaitOutput("round 2", Duration.ofSeconds(10));
      iperf.awaitOutput("\"end\"", Duration.ofSeconds(20));
      fw.go("ssh3");
      fw.go("ssh4");
      held.awaitOutput("round 4", Duration.ofSeconds(10));
      counting = false;

      assertThat(r.adopting()).as("a reconnect reconciles, it does not adopt").isFalse();
      assertThat(r.deleted()).as("the foreign entry and the ghost of ours").isEqualTo(2);
      assertThat(r.kept()).isGreaterThanOrEqualTo(entriesBefore);
      assertThat(fw.net.ovsSwitch("s1").dumpFlows()).noneMatch(f -> f.match().contains("10.0.0.99"))
          .noneMatch(f -> f.match().contains("tp_src=40999"))
          .anyMatch(f -> f.priority() == 0 && f.match().isEmpty());
      assertThat(fw.connectionEntries("s1", "tp_dst=22")).isNotEmpty();
      assertThat(fw.connectionEntries("s1", "tp_src=22")).isNotEmpty();
      assertThat(held.stdout()).contains("round 1 ok", "round 2 ok", "round 3 ok", "round 4 ok");
      JsonNode report = new ObjectMapper().readTree(iperf.stdout());
      assertThat(report.has("error")).as(iperf.stdout()).isFalse();
      List<Long> perInterval = new ArrayList<>();
      report.path("intervals").forEach(i -> perInterval.add(i.path("sum").path("bytes").asLong()));
      assertThat(perInterval).as("bytes per 0.5 s interval across the cut").hasSizeGreaterThanOrEqualTo(15)
          .allMatch(b -> b > 0);
      assertThat(judgedAfterOffload.get()).as("packets of the offloaded connections seen by the controller")
          .isZero();
      assertThat(fw.tcp("h2", "h1", SSH)).as("a new connection after the reconnect").isEqualTo("connected");
      long received = report.path("end").path("sum_received").path("bytes").asLong();
      System.out.printf("reconnect: outage+reconcile %.2f s, reconcile %.1f ms (%d kept, %d deleted, %d reinstalled),"
              + " packet-ins of offloaded connections %d, iperf3 %d bytes in %d intervals, min interval %d bytes,"
              + " connections lost 0%n",
          outageSeconds, r.micros() / 1000.0, r.kept(), r.deleted(), r.reinstalled(), judgedAfterOffload.get(),
          received, perInterval.size(), perInterval.stream().mapToLong(Long::longValue).min().orElse(0));
      iperf.close();
    }
  }

  @Test
  void aConnectionAcrossTwoSwitchesKeepsItsEntriesOnBothWhileOneReconnects() throws Exception {
    Path dir = Files.createTempDirectory("statewall-reconnect-linear");
    fw = new RestartableFirewall(listener);
    RestartableFirewall.Running c = fw.startController(policy(dir,
        Files.readString(RestartableFirewall.EXAMPLES.resolve("seed-servers.rules"))));
    fw.startNetwork(Topology.linear(2));
    RestartableFirewall.await("LLDP finds s1-s2", Duration.ofSeconds(20), () -> !c.topology().links().isEmpty());
    RestartableFirewall.await("both switches' first reconciliation", Duration.ofSeconds(10),
        () -> c.reconciler().reports().size() >= 2);
    DatapathId s2 = DatapathId.of(fw.net.ovsSwitch("s2").dpid());

    try (BackgroundProcess echo = fw.echo("h1", SSH);
        BackgroundProcess held = fw.hold("h2", "h1", SSH, "ssh", 3)) {
      held.awaitOutput("round 1 ok", Duration.ofSeconds(10));
      RestartableFirewall.await("offloaded on both switches", Duration.ofSeconds(5),
          () -> fw.connectionEntries("s1", "tp_dst=22").size() == 1 && fw.connectionEntries("s2", "tp_dst=22").size() == 1);
      int reportsBefore = c.reconciler().reports().size();
      counting = true;

      c.controller().switches().get(s2).ifPresent(SwitchHandle::disconnect);
      fw.go("ssh2"); // while s2 is away or reconciling
      RestartableFirewall.await("s2 reconnects and is reconciled", Duration.ofSeconds(15),
          () -> c.reconciler().reports().size() > reportsBefore);
      held.awaitOutput("round 2", Duration.ofSeconds(10));
      fw.go("ssh3");
      held.awaitOutput("round 3", Duration.ofSeconds(10));
      counting = false;

      FlowReconciler.Report r = c.reconciler().reports().get(c.reconciler().reports().size() - 1);
      assertThat(held.stdout()).contains("round 2 ok", "round 3 ok");
      assertThat(r.adopting()).isFalse();
      assertThat(r.deleted()).isZero();
      assertThat(fw.connectionEntries("s1", "tp_dst=22")).as("s1 kept its entries while s2 was away").hasSize(1);
      assertThat(fw.connectionEntries("s2", "tp_dst=22")).hasSize(1);
      assertThat(judgedAfterOffload.get()).as("packets of the held connection at the controller").isZero();
    }
  }

  static long ours(List<FlowEntry> flows) {
    return flows.stream().filter(f -> (f.cookie() >>> 48) == 0x5357).count();
  }
}
