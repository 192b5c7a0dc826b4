package io.statewall.it.resilience;

import static org.assertj.core.api.Assertions.assertThat;

import io.statewall.netfilter.conntrack.CtDirection;
import io.statewall.netfilter.conntrack.CtEntry;
import io.statewall.firewall.Firewall;
import io.statewall.firewall.FlowReconciler;
import io.statewall.firewall.forwarding.ConnectionCookie;
import io.statewall.firewall.forwarding.ExactMatch;
import io.statewall.netfilter.packet.Packet;
import io.statewall.mininet.BackgroundProcess;
import io.statewall.mininet.Topology;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.projectfloodlight.openflow.types.IPv4Address;
import org.projectfloodlight.openflow.types.MacAddress;

/**
 * The controller stops and a new one starts on the same port. Meanwhile the fail-secure switch
 * carries established connections on their entries and lets no new one in; the new controller
 * adopts the entries it finds as established connections when its policy would have let them open
 * and still carries them, and deletes the others (a forged entry carrying our cookie tag, and a
 * connection a stricter policy forbids).
 */
class ControllerRestartTest {
  private final AtomicInteger judgedHeld = new AtomicInteger();
  private volatile boolean counting;
  /** Every decision after the restart, for the failure message of the new-connection probe. */
  private final Queue<String> decisions = new ConcurrentLinkedQueue<>();
  private final Firewall.DecisionListener listener = (p, at, j) -> {
    if (decisions.size() < 200) {
      decisions.add(p.src() + ":" + p.srcPort() + ">" + p.dst() + ":" + p.dstPort() + " flags=" + p.tcpFlags()
          + " at " + at + ": " + j.verdict() + " " + j.state() + " " + j.reason());
    }
    if (counting && p.isTcp() && (p.tcpFlags() & (Packet.TCP_FIN | Packet.TCP_RST)) == 0
        && (p.dstPort() == 22 || p.srcPort() == 22)) {
      judgedHeld.incrementAndGet();
    }
  };
  private RestartableFirewall fw;

  @AfterEach
  void stop() {
    if (fw != null) {
      fw.close();
    }
  }

  private static String servers() throws Exception {
    return Files.readString(RestartableFirewall.EXAMPLES.resolve("seed-servers.rules"));
  }

  private static String telnetFlow(RestartableFirewall fw) {
    ExactMatch telnet = new ExactMatch(Packet.ETH_IPV4, MacAddress.of(fw.mac("h2")), MacAddress.of(fw.mac("h1")), -1,
        IPv4Address.of("10.0.0.2"), IPv4Address.of("10.0.0.1"), Packet.PROTO_TCP, 40998, 23, -1, -1);
    return String.format("cookie=0x%x,priority=100,tcp,in_port=2,dl_src=%s,dl_dst=%s,nw_src=10.0.0.2,"
        + "nw_dst=10.0.0.1,tp_src=40998,tp_dst=23,actions=output:1", ConnectionCookie.of(telnet).getValue(),
        fw.mac("h2"), fw.mac("h1"));
  }

  /** The adopting report of the new controller's first look at s1. */
  private static FlowReconciler.Report adoption(RestartableFirewall.Running c) throws InterruptedException {
    RestartableFirewall.await("s1 adopted by the new controller", Duration.ofSeconds(15),
        () -> !c.reconciler().reports().isEmpty());
    return c.reconciler().reports().get(0);
  }

  @Test
  void anEstablishedConnectionSurvivesARestartWithTheSamePolicyAndForgedEntriesGo() throws Exception {
    Path dir = Files.createTempDirectory("statewall-restart");
    Path policy = SwitchReconnectTest.policy(dir, servers());
    fw = new RestartableFirewall(listener);
    fw.startController(policy);
    fw.startNetwork(Topology.single(2));

    try (BackgroundProcess echo = fw.echo("h1", 22);
        BackgroundProcess held = fw.hold("h2", "h1", 22, "ssh", 4)) {
      held.awaitOutput("round 1 ok", Duration.ofSeconds(10));
      RestartableFirewall.await("the held connection is offloaded both ways", Duration.ofSeconds(5),
          () -> !fw.connectionEntries("s1", "tp_dst=22").isEmpty() && !fw.connectionEntries("s1", "tp_src=22").isEmpty());

      long stopped = System.nanoTime();
      fw.stopController();
      RestartableFirewall.await("s1 loses its controller", Duration.ofSeconds(10),
          () -> !fw.net.ovsSwitch("s1").isConnected());
      fw.go("ssh2");
      held.awaitOutput("round 2", Duration.ofSeconds(10));
      String newDuringOutage = fw.tcp("h2", "h1", 22);
      fw.net.ovsSwitch("s1").ofctl("add-flow", telnetFlow(fw));
      double outageSeconds = (System.nanoTime() - stopped) / 1e9;

      counting = true;
      RestartableFirewall.Running b = fw.startController(policy);
      FlowReconciler.Report r = adoption(b);
      fw.go("ssh3");
      held.awaitOutput("round 3", Duration.ofSeconds(10));
      counting = false;

      assertThat(held.stdout()).as("through the outage and after the restart").contains("round 2 ok", "round 3 ok");
      assertThat(newDuringOutage).as("a new connection while no controller runs (fail-secure)").isEqualTo("dropped");
      assertThat(r.adopting()).isTrue();
      assertThat(r.adopted()).as("the held connection").isEqualTo(1);
      assertThat(r.refused()).as("the forged telnet entry").isEqualTo(1);
      assertThat(fw.connectionEntries("s1", "tp_dst=23")).as("denied: deleted").isEmpty();
      assertThat(fw.connectionEntries("s1", "tp_dst=22")).hasSize(1);
      assertThat(fw.connectionEntries("s1", "tp_src=22")).hasSize(1);
      List<CtEntry> tracked = b.firewall().tracker().entries();
      assertThat(tracked).singleElement().satisfies(e -> {
        assertThat(e.tuple(CtDirection.ORIGINAL).src().toString()).isEqualTo("10.0.0.2");
        assertThat(e.tuple(CtDirection.ORIGINAL).dstPort()).isEqualTo(22);
        assertThat(e.tcpStateName()).isEqualTo("ESTABLISHED");
        assertThat(e.hasStatus(CtEntry.ASSURED) && e.hasStatus(CtEntry.SEEN_REPLY)).isTrue();
        assertThat(b.firewall().offloads().cookie(e)).isPresent();
      });
      assertThat(b.firewall().tracker().list()).singleElement().asString()
          .contains("ESTABLISHED", "dport=22", "[ASSURED]");
      assertThat(b.firewall().installed().size()).as("registered with its path").isEqualTo(1);
      assertThat(judgedHeld.get()).as("packets of the adopted connection at the new controller").isZero();

      decisions.clear();
      String newAfter = fw.tcp("h2", "h1", 22);
      assertThat(newAfter).as("a new connection after the restart; decisions %s; hosts %s; flows on s1 %s", decisions,
          b.topology().hosts(), fw.net.ovsSwitch("s1").ofctl("dump-flows")).isEqualTo("connected");
      fw.go("ssh4");
      held.awaitOutput("round 4", Duration.ofSeconds(10));
      assertThat(held.stdout()).contains("round 4 ok");
      System.out.printf("restart: outage %.2f s, adoption %.1f ms after the settle delay (%d adopted, %d refused,"
              + " %d deleted, %d kept), packet-ins of the adopted connection 0, connections lost 0%n",
          outageSeconds, r.micros() / 1000.0, r.adopted(), r.refused(), r.deleted(), r.kept());
    }
  }

  @Test
  void aStricterPolicyAtRestartAdoptsWhatItAllowsAndDropsTheRest() throws Exception {
    Path dir = Files.createTempDirectory("statewall-restart-strict");
    String servers = servers();
    fw = new RestartableFirewall(listener);
    fw.startController(SwitchReconnectTest.policy(dir, servers));
    fw.startNetwork(Topology.single(2));

    try (BackgroundProcess ssh = fw.echo("h1", 22);
        BackgroundProcess web = fw.echo("h1", 80);
        BackgroundProcess heldSsh = fw.hold("h2", "h1", 22, "ssh", 3);
        BackgroundProcess heldWeb = fw.hold("h2", "h1", 80, "web", 3)) {
      heldSsh.awaitOutput("round 1 ok", Duration.ofSeconds(10));
      heldWeb.awaitOutput("round 1 ok", Duration.ofSeconds(10));
      RestartableFirewall.await("both connections offloaded", Duration.ofSeconds(5),
          () -> fw.connectionEntries("s1", "tp_dst=22").size() == 1 && fw.connectionEntries("s1", "tp_dst=80").size() == 1);

      fw.stopController();
      RestartableFirewall.await("s1 loses its controller", Duration.ofSeconds(10),
          () -> !fw.net.ovsSwitch("s1").isConnected());
      fw.go("ssh2");
      fw.go("web2");
      heldSsh.awaitOutput("round 2", Duration.ofSeconds(10));
      heldWeb.awaitOutput("round 2", Duration.ofSeconds(10));

      String no80 = servers.lines().filter(l -> !l.contains("--dport 80")).reduce("", (a, l) -> a + l + "\n");
      RestartableFirewall.Running b = fw.startController(SwitchReconnectTest.policy(dir, no80));
      FlowReconciler.Report r = adoption(b);
      fw.go("ssh3");
      fw.go("web3");
      heldSsh.awaitOutput("round 3", Duration.ofSeconds(10));
      heldWeb.awaitOutput("round 3", Duration.ofSeconds(10));

      assertThat(heldWeb.stdout()).as("the old policy's connection ran through the outage").contains("round 2 ok");
      assertThat(r.adopted()).isEqualTo(1);
      assertThat(r.refused()).isEqualTo(1);
      // its next packets are judged by the new rules, which refuse them and may cache a drop entry
      assertThat(fw.connectionEntries("s1", "tp_dst=80")).as("no entry carries HTTP any more")
          .allMatch(f -> f.actions().equals("drop"));
      assertThat(fw.connectionEntries("s1", "tp_src=80")).allMatch(f -> f.actions().equals("drop"));
      assertThat(b.firewall().tracker().entries()).singleElement()
          .satisfies(e -> assertThat(e.tuple(CtDirection.ORIGINAL).dstPort()).isEqualTo(22));
      assertThat(heldSsh.stdout()).as("allowed: never lost").contains("round 2 ok", "round 3 ok");
      assertThat(heldWeb.stdout()).as("forbidden now: its packets meet the new rules").contains("round 3 dropped");
    }
  }

  @Test
  void aConnectionAcrossTwoSwitchesIsAdoptedOnBothAndRegisteredWithItsPath() throws Exception {
    Path dir = Files.createTempDirectory("statewall-restart-linear");
    Path policy = SwitchReconnectTest.policy(dir, servers());
    fw = new RestartableFirewall(listener);
    RestartableFirewall.Running a = fw.startController(policy);
    fw.startNetwork(Topology.linear(2));
    RestartableFirewall.await("LLDP finds s1-s2", Duration.ofSeconds(20), () -> !a.topology().links().isEmpty());

    try (BackgroundProcess echo = fw.echo("h1", 22);
        BackgroundProcess held = fw.hold("h2", "h1", 22, "ssh", 3)) {
      held.awaitOutput("round 1 ok", Duration.ofSeconds(10));
      RestartableFirewall.await("offloaded both ways on both switches", Duration.ofSeconds(5),
          () -> fw.connectionEntries("s1", "tp_dst=22").size() == 1 && fw.connectionEntries("s2", "tp_dst=22").size() == 1
              && fw.connectionEntries("s1", "tp_src=22").size() == 1 && fw.connectionEntries("s2", "tp_src=22").size() == 1);

      fw.stopController();
      RestartableFirewall.await("the switches lose their controller", Duration.ofSeconds(10),
          () -> !fw.net.ovsSwitch("s1").isConnected() && !fw.net.ovsSwitch("s2").isConnected());
      fw.go("ssh2");
      held.awaitOutput("round 2", Duration.ofSeconds(10));

      counting = true;
      RestartableFirewall.Running b = fw.startController(policy);
      RestartableFirewall.await("both switches adopted", Duration.ofSeconds(15),
          () -> b.reconciler().reports().size() >= 2);
      fw.go("ssh3");
      held.awaitOutput("round 3", Duration.ofSeconds(10));
      counting = false;

      assertThat(held.stdout()).contains("round 2 ok", "round 3 ok");
      assertThat(b.reconciler().reports()).allSatisfy(r -> {
        assertThat(r.adopting()).isTrue();
        assertThat(r.kept()).as("both directions' entries (and traps at the edge)").isGreaterThanOrEqualTo(2);
        assertThat(r.deleted()).isZero();
      });
      assertThat(b.reconciler().reports().stream().mapToInt(FlowReconciler.Report::adopted).sum())
          .as("adopted by the first switch read, found tracked by the second").isEqualTo(1);
      assertThat(b.firewall().tracker().entries()).hasSize(1);
      assertThat(b.firewall().installed().all()).singleElement()
          .satisfies(c -> assertThat(c.path().hops()).as("s2 then s1").hasSize(2));
      assertThat(judgedHeld.get()).isZero();
    }
  }
}
