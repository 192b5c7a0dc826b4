package io.statewall.apps.main;

import static io.statewall.apps.main.ClusterTestMembers.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.statewall.apps.main.ClusterTestMembers.Member;
import io.statewall.cluster.Rendezvous;
import io.statewall.firewall.FirewallSettings;
import io.statewall.firewall.FlowReconciler;
import io.statewall.firewall.forwarding.ConnectionCookie;
import io.statewall.firewall.forwarding.ExactMatch;
import io.statewall.netfilter.conntrack.ConnTracker;
import io.statewall.netfilter.conntrack.CtEntry;
import io.statewall.netfilter.conntrack.CtSnapshot;
import io.statewall.netfilter.packet.FrameBuilder;
import io.statewall.netfilter.packet.Packet;
import io.statewall.netfilter.policy.PolicyLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.projectfloodlight.openflow.protocol.OFFactories;
import org.projectfloodlight.openflow.protocol.OFFactory;
import org.projectfloodlight.openflow.protocol.OFFlowStatsEntry;
import org.projectfloodlight.openflow.protocol.OFVersion;
import org.projectfloodlight.openflow.types.DatapathId;
import org.projectfloodlight.openflow.types.IPv4Address;
import org.projectfloodlight.openflow.types.MacAddress;
import org.projectfloodlight.openflow.types.OFPort;
import org.projectfloodlight.openflow.types.TableId;
import org.projectfloodlight.openflow.types.U64;

/**
 * What a member may do only once it has the state: it is ready (and takes switches) only after its
 * conntrack replication caught up, and it adopts a switch's entries only as that switch's confirmed
 * master. Members of {@code run --cluster} as {@link ClusterRunTest} builds them, with {@link RoleSwitch}.
 */
class ClusterReadinessTest {
  /** The Raft membership: D is started later, or not at all (A, B, C are a majority of four). */
  private static final List<String> IDS = List.of("A", "B", "C", "D");
  private static final OFFactory F = OFFactories.getFactory(OFVersion.OF_13);

  @TempDir Path dir;

  private final String clusterName = "statewall-readiness-test-" + UUID.randomUUID();
  private final Map<String, Member> members = new LinkedHashMap<>();
  private final List<RoleSwitch> switches = new ArrayList<>();
  /** The Raft membership of this test's members. */
  private List<String> raft = IDS;

  @AfterEach
  void stop() throws Exception {
    for (RoleSwitch s : switches) {
      s.close();
    }
    members.values().forEach(m -> m.controller().close());
  }

  @Test
  void aMemberJoiningARunningClusterIsReadyOnlyOnceItHoldsTheOthersConnections() throws Exception {
    Path policy = policy();
    for (String id : List.of("A", "B", "C")) {
      start(id, policy, w -> {});
    }
    await("A, B and C are ready", () -> members.values().stream().allMatch(m -> m.cluster().ready()
        && m.cluster().member().state().view().ready().keySet().containsAll(List.of("A", "B", "C"))));
    // a switch that D will take over from its master when it joins (rendezvous hashing over all four)
    long dpid = LongStream.rangeClosed(1, 1_000)
        .filter(d -> Rendezvous.winner(d, IDS).equals(Optional.of("D"))).findFirst().orElseThrow();
    RoleSwitch sw = new RoleSwitch(dpid);
    switches.add(sw);
    for (Member m : members.values()) {
      sw.connect(m.id(), m.openflow());
    }
    await("the switch has a master confirmed", () -> sw.master().filter(id -> masterFence(id, dpid)).isPresent());
    String owner = sw.master().orElseThrow();
    for (int port = 40000; port < 40005; port++) {
      handshake(sw, owner, port);
    }
    await(owner + " tracks five connections ESTABLISHED", () -> established(members.get(owner)) == 5);

    // D joins: at the moment its replication catches up it is not yet ready, and it holds the owner's five
    AtomicBoolean readyAtCatchUp = new AtomicBoolean(true);
    AtomicInteger heldAtCatchUp = new AtomicInteger(-1);
    Member d = start("D", policy, w -> w.replicator().whenCaughtUp().thenRun(() -> {
      readyAtCatchUp.set(w.ready() || w.member().state().view().ready().containsKey("D"));
      heldAtCatchUp.set(w.replicator().replicasOf(owner).size());
    }));
    sw.connect("D", d.openflow());
    await("D is the switch's master, as the switch confirmed", () -> sw.master().equals(Optional.of("D"))
        && masterFence("D", dpid));
    assertThat(d.cluster().replicator().caughtUp()).isTrue();
    assertThat(heldAtCatchUp.get()).as("%s's replicas on D when it caught up", owner).isEqualTo(5);
    assertThat(readyAtCatchUp.get()).as("D ready before it caught up").isFalse();
    // its first MASTER request went out with the five connections live there (promoted before the role)
    assertThat(sw.mastersTaken().stream().filter(c -> c.member().equals("D")).count()).isEqualTo(1);
    assertThat(established(d)).isEqualTo(5);
    assertThat(d.cluster().replicator().metrics().replicasPromoted()).isGreaterThanOrEqualTo(5);
  }

  @Test
  void onlyTheSwitchsMasterAdoptsItsEntriesAndAnHeirKeepsThem() throws Exception {
    raft = List.of("A", "B", "C"); // two of them stay a majority when the master goes
    Path policy = policy();
    for (String id : List.of("A", "B", "C")) {
      start(id, policy, w -> {});
    }
    await("A, B and C are ready", () -> members.values().stream().allMatch(m -> m.cluster().ready()
        && m.cluster().member().state().view().ready().keySet().containsAll(List.of("A", "B", "C"))));
    // a switch that carries an established SSH connection, offloaded by an earlier controller
    ExactMatch ssh = new ExactMatch(Packet.ETH_IPV4, MacAddress.of(0x0200_0000_0004L), MacAddress.of(0x0200_0000_0001L),
        -1, IPv4Address.of("10.0.0.4"), IPv4Address.of("10.0.0.1"), Packet.PROTO_TCP, 40100, 22, -1, -1);
    U64 cookie = ConnectionCookie.of(ssh);
    RoleSwitch sw = new RoleSwitch(1);
    sw.reportFlows(List.of(entry(ssh.reverse().orElseThrow(), 1, 2, cookie), entry(ssh, 2, 1, cookie)));
    switches.add(sw);
    for (Member m : members.values()) {
      sw.connect(m.id(), m.openflow());
    }
    await("the switch has a master confirmed", () -> sw.master().filter(id -> masterFence(id, 1)).isPresent());
    Member master = members.get(sw.master().orElseThrow());
    await(master.id() + " adopted the connection", () -> reports(master, 1).stream().anyMatch(r -> r.adopted() == 1));
    assertThat(master.tcpState(40100)).isEqualTo("ESTABLISHED");
    // one owner: the others hold it as the master's replica, never in their own conntrack
    await("the slaves hold it as " + master.id() + "'s replica", () -> members.values().stream()
        .filter(m -> m != master).allMatch(m -> m.cluster().replicator().replicasOf(master.id()).stream()
            .anyMatch(r -> r.original().srcPort() == 40100)));
    for (Member m : members.values()) {
      if (m != master) {
        assertThat(m.tcpState(40100)).as("%s's live conntrack (SLAVE)", m.id()).isNull();
        assertThat(reports(m, 1)).as("%s reconciled a switch it is SLAVE of", m.id()).isEmpty();
        assertThat(m.cluster().replicator().replicasOf(m.id())).isEmpty();
      }
    }

    // its master goes: the heir promotes the connection (cookie recorded) and its reconcile keeps the entries
    members.remove(master.id()).controller().close();
    await("a survivor is the switch's master, as the switch confirmed", () -> sw.master()
        .filter(id -> !id.equals(master.id()) && masterFence(id, 1)).isPresent());
    Member heir = members.get(sw.master().orElseThrow());
    await(heir.id() + " reconciled the switch as its master", () -> !reports(heir, 1).isEmpty());
    FlowReconciler.Report r = reports(heir, 1).get(0);
    assertThat(r.deleted()).as("entries deleted by the heir").isZero();
    assertThat(r.adopted()).as("adopted again rather than found by its cookie").isZero();
    assertThat(r.kept()).isEqualTo(2);
    assertThat(heir.tcpState(40100)).isEqualTo("ESTABLISHED");
    assertThat(heir.assembler().firewall().offloads().entry(cookie)).isPresent();
  }

  private static OFFlowStatsEntry entry(ExactMatch m, int in, int out, U64 cookie) {
    return F.buildFlowStatsEntry().setTableId(TableId.ZERO).setPriority(FirewallSettings.DEFAULTS.priority())
        .setCookie(cookie).setMatch(m.toMatch(F, OFPort.of(in)).orElseThrow())
        .setInstructions(List.of(F.instructions().applyActions(List.of(F.actions().output(OFPort.of(out), 0xFFFF)))))
        .build();
  }

  private static List<FlowReconciler.Report> reports(Member m, long dpid) {
    return m.assembler().firewall().reconciler().reports().stream().filter(r -> r.sw().equals(DatapathId.of(dpid)))
        .toList();
  }

  /** A TCP handshake from 10.0.0.9:{@code port} to the server 10.0.0.1:22, as packet-ins to {@code member}. */
  private static void handshake(RoleSwitch sw, String member, int port) throws Exception {
    long client = 0x0200_0000_0009L;
    long server = 0x0200_0000_0001L;
    sw.packetIn(member, FrameBuilder.ip("10.0.0.9", "10.0.0.1").macs(client, server).tcp(port, 22, Packet.TCP_SYN)
        .seq(1000).build());
    sw.packetIn(member, FrameBuilder.ip("10.0.0.1", "10.0.0.9").macs(server, client)
        .tcp(22, port, Packet.TCP_SYN | Packet.TCP_ACK).seq(5000).ack(1001).build());
    sw.packetIn(member, FrameBuilder.ip("10.0.0.9", "10.0.0.1").macs(client, server).tcp(port, 22, Packet.TCP_ACK)
        .seq(1001).ack(5001).build());
  }

  /** How many connections to port 22 {@code m}'s live conntrack has ESTABLISHED. */
  private static int established(Member m) {
    ConnTracker tracker = m.assembler().firewall().tracker();
    int n = 0;
    for (CtEntry e : tracker.entries()) {
      CtSnapshot s = tracker.snapshot(e);
      if (s != null && s.original().dstPort() == 22 && s.tcpStateName().equals("ESTABLISHED")) {
        n++;
      }
    }
    return n;
  }

  private boolean masterFence(String id, long dpid) {
    Member m = members.get(id);
    return m != null && m.fencedAsMaster(dpid);
  }

  /** Starts member {@code id}; {@code beforeStart} sees its cluster wiring before it joins. */
  private Member start(String id, Path policy, Consumer<ClusterWiring> beforeStart) throws Exception {
    Member m = new ClusterTestMembers.Cluster(clusterName, raft, 47910, dir).start(id, policy,
        text -> text.compile(new PolicyLoader()), beforeStart);
    members.put(id, m);
    return m;
  }

  private Path policy() throws Exception {
    Files.writeString(dir.resolve("servers.rules"), ClusterTestMembers.SSH_SERVER_RULES);
    return Files.writeString(dir.resolve("policy.yaml"), "hosts:\n  - address: 10.0.0.1\n    rules: servers.rules\n");
  }

}
