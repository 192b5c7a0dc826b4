package io.statewall.apps.main;

import static io.statewall.apps.main.ClusterTestMembers.await;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.statewall.apps.main.ClusterTestMembers.Member;
import io.statewall.apps.main.RoleSwitch.RoleCall;
import io.statewall.cluster.Mastership;
import io.statewall.cluster.Placement;
import io.statewall.controller.Controller;
import io.statewall.firewall.forwarding.OffloadTable;
import io.statewall.netfilter.conntrack.CtDirection;
import io.statewall.netfilter.packet.FrameBuilder;
import io.statewall.netfilter.packet.Packet;
import io.statewall.netfilter.policy.Policy;
import io.statewall.netfilter.policy.PolicyException;
import io.statewall.netfilter.policy.PolicyLoader;
import io.statewall.operator.cli.ClusterCommand;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.projectfloodlight.openflow.protocol.OFControllerRole;
import org.projectfloodlight.openflow.types.U64;
import picocli.CommandLine;

/**
 * Three members, each the real composition root of {@code run --cluster} (FirewallAssembler's apps in a
 * real Controller with its write fence, the real API), joined in one JVM through JGroups' shared
 * loopback, and two switches connected to all three that enforce roles and generation ids.
 */
class ClusterRunTest {
  private static final List<String> IDS = List.of("A", "B", "C");
  /** A line member C's compiler refuses, as an older build would refuse a match it does not know. */
  private static final String ONLY_NEWER_BUILDS = "# needs a newer statewall";
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path dir;

  private final String clusterName = "statewall-run-test-" + UUID.randomUUID();
  private final Map<String, Member> members = new LinkedHashMap<>();
  private final List<RoleSwitch> switches = new ArrayList<>();
  private void start(String id, Path policy) throws Exception {
    ClusterWiring.Compiler compiler = text -> {
      if (id.equals("C") && text.files().values().stream().anyMatch(t -> t.contains(ONLY_NEWER_BUILDS))) {
        throw new PolicyException(text.name(), 1, 1, null, "needs a newer build of statewall than member C's");
      }
      return text.compile(new PolicyLoader());
    };
    members.put(id, new ClusterTestMembers.Cluster(clusterName, IDS, 47900, dir).start(id, policy, compiler,
        wiring -> {}));
  }

  /** Starts every member with {@code policy} and waits until each is ready and knows all three are. */
  private void startAll(Path policy) throws Exception {
    for (String id : IDS) {
      start(id, policy);
    }
    await("every member runs the first policy and is ready", () -> members.values().stream().allMatch(m ->
        m.cluster().ready() && m.cluster().member().state().view().ready().keySet().containsAll(IDS)));
  }

  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  @AfterEach
  void stop() throws Exception {
    for (RoleSwitch s : switches) {
      s.close();
    }
    members.values().forEach(m -> m.controller().close());
  }

  @Test
  void oneMasterPerSwitchAtItsEpochThePolicyEverywhereAndFailover() throws Exception {
    Path policy = write("policy.yaml", "servers.rules", ClusterTestMembers.SSH_SERVER_RULES);
    // every member compiled the committed policy (the leader's own file, the cluster having none) and is ready
    startAll(policy);
    assertThat(members.values()).allSatisfy(m ->
        assertThat(m.assembler().firewall().policies().current().source()).isEqualTo(policy.toAbsolutePath().toString()));

    // two switches, each connected to every member
    for (long dpid : List.of(1L, 2L)) {
      RoleSwitch sw = new RoleSwitch(dpid);
      switches.add(sw);
      for (Member m : members.values()) {
        sw.connect(m.id(), m.openflow());
      }
    }
    await("each switch has a master confirmed at the committed epoch", () -> switches.stream().allMatch(sw -> {
      Mastership m = members.get("A").mastership(sw.dpid.getLong());
      return m.master().isPresent() && sw.master().equals(m.master())
          && masterFence(m.master().get(), sw.dpid.getLong());
    }));
    for (RoleSwitch sw : switches) {
      Mastership committed = members.get("A").mastership(sw.dpid.getLong());
      List<RoleCall> masters = sw.calls().stream().filter(c -> c.role() == OFControllerRole.ROLE_MASTER).toList();
      assertThat(masters).as("MASTER requests to %s", sw.dpid)
          .containsExactly(new RoleCall(committed.master().get(), OFControllerRole.ROLE_MASTER, committed.epoch(), true));
      // the others were told SLAVE at the same generation, and write nothing to it
      for (Member m : members.values()) {
        if (!committed.isMaster(m.id())) {
          assertThat(m.cluster().fence().mayWrite(sw.dpid)).isFalse();
        }
      }
    }
    // a packet-in from each switch to every member: only the master's apps see it (topology learns the host)
    for (RoleSwitch sw : switches) {
      for (Member m : members.values()) {
        sw.packetIn(m.id(), FrameBuilder.ip("10.0.0.9", "10.0.0.1").macs(0x0200_0000_0009L + sw.dpid.getLong(),
            0x0200_0000_0001L).tcp(40000, 22, Packet.TCP_SYN).build());
      }
    }
    await("each switch's master learned the host it sent", () -> switches.stream().allMatch(sw -> {
      String master = members.get("A").mastership(sw.dpid.getLong()).master().orElseThrow();
      return hosts(members.get(master)).contains(String.format("%016x", sw.dpid.getLong()));
    }));
    for (Member m : members.values()) {
      for (RoleSwitch sw : switches) {
        boolean masters = members.get("A").mastership(sw.dpid.getLong()).isMaster(m.id());
        boolean learned = m.assembler().topology().manager().localShare().hosts().stream()
            .anyMatch(h -> h.attachment().sw().equals(sw.dpid));
        assertThat(learned)
            .as("%s learned a host from %s, which it %s", m.id(), sw.dpid, masters ? "masters" : "does not master")
            .isEqualTo(masters);
      }
    }
    // and every member shows both hosts (the others' shares merged with its own)
    await("every member shows the hosts of both switches", () -> members.values().stream().allMatch(m ->
        switches.stream().allMatch(sw -> hosts(m).contains(String.format("%016x", sw.dpid.getLong())))));
    await("every member applied the same masters", () -> members.values().stream().allMatch(m ->
        m.mastership(1).equals(members.get("A").mastership(1)) && m.mastership(2).equals(members.get("A").mastership(2))));

    // policy apply on one member is compiled on all
    Path strict = write("strict.yaml", "strict.rules", """
        *filter
        :INPUT DROP [0:0]
        :FORWARD DROP [0:0]
        :OUTPUT DROP [0:0]
        -A INPUT -p tcp --dport 80 -m state --state NEW,ESTABLISHED -j ACCEPT
        COMMIT
        """);
    HttpResponse<String> applied = put(members.get("B"), strict);
    assertThat(applied.statusCode()).as(applied.body()).isEqualTo(200);
    await("every member runs strict.yaml", () -> members.values().stream().allMatch(m ->
        m.assembler().firewall().policies().current().source().equals(strict.toAbsolutePath().toString())));
    // a dry run stays on the member asked
    HttpResponse<String> dry = send(members.get("A"), HttpRequest.newBuilder(URI.create(base(members.get("A"))
        + "/api/v1/policy?dry-run=true")).header("Content-Type", "application/json")
        .PUT(HttpRequest.BodyPublishers.ofString(body(policy))));
    assertThat(dry.statusCode()).as(dry.body()).isEqualTo(200);
    assertThat(members.values()).allSatisfy(m -> assertThat(m.assembler().firewall().policies().current().source())
        .isEqualTo(strict.toAbsolutePath().toString()));

    // statewall cluster rebalance, asked of any member, commits a rebalance: every switch at its rendezvous winner
    java.util.SortedSet<Long> off = members.get("B").cluster().member().state().view().offBalance();
    StringWriter rebalanced = new StringWriter();
    CommandLine rebalance = new CommandLine(new ClusterCommand());
    rebalance.setOut(new PrintWriter(rebalanced));
    assertThat(rebalance.execute("rebalance", "--api", "127.0.0.1:" + members.get("B").api().getPort(),
        "--api-token-file", dir.resolve("token-B").toString())).isZero();
    assertThat(rebalanced.toString()).contains(off.isEmpty() ? "nothing moved" : "moved " + off.size() + " switch(es)");
    await("every switch at its rendezvous winner", () -> members.values().stream()
        .allMatch(m -> m.cluster().member().state().view().offBalance().isEmpty()));

    // a change of a member's own policy file (the file watch, as SIGHUP) is committed and runs on all
    Files.writeString(dir.resolve("servers.rules"), Files.readString(dir.resolve("servers.rules"))
        .replace("COMMIT", "-A INPUT -p tcp --dport 8443 -m state --state NEW,ESTABLISHED -j ACCEPT\nCOMMIT"));
    await("every member runs the changed policy.yaml", () -> members.values().stream().allMatch(m -> {
      Policy p = m.assembler().firewall().policies().current();
      return p.source().equals(policy.toAbsolutePath().toString())
          && p.hosts().values().stream().anyMatch(h -> h.rules() != null && h.rules().save().contains("8443"));
    }));

    // a policy that member C cannot compile: it withdraws and masters nothing; the others run it
    Path newer = write("newer.yaml", "newer.rules", ONLY_NEWER_BUILDS + "\n*filter\n:INPUT ACCEPT [0:0]\nCOMMIT\n");
    Map<Long, Mastership> before = new LinkedHashMap<>();
    for (RoleSwitch sw : switches) {
      before.put(sw.dpid.getLong(), members.get("A").mastership(sw.dpid.getLong()));
    }
    assertThat(put(members.get("A"), newer).statusCode()).isEqualTo(200);
    Member c = members.get("C");
    await("C has withdrawn and masters no switch, and no switch is left without a master", () ->
        members.values().stream().allMatch(m -> !m.cluster().member().state().view().ready().containsKey("C")
            && m.cluster().member().state().view().masteredBy("C").isEmpty())
            && switches.stream().allMatch(sw -> sw.master().isPresent() && !sw.master().get().equals("C")
                && masterFence(sw.master().get(), sw.dpid.getLong())));
    assertThat(c.cluster().ready()).isFalse();
    assertThat(switches).allSatisfy(sw -> assertThat(c.cluster().fence().mayWrite(sw.dpid)).isFalse());
    before.forEach((dpid, m) -> {
      if (m.isMaster("C")) {
        assertThat(members.get("A").mastership(dpid).epoch()).isGreaterThan(m.epoch());
      }
    });
    JsonNode seenByC = JSON.readTree(send(c, HttpRequest.newBuilder(URI.create(base(c) + "/api/v1/cluster")).GET()).body());
    assertThat(seenByC.get("member").asText()).isEqualTo("C");
    assertThat(seenByC.get("policyError").asText()).contains("needs a newer build");
    assertThat(seenByC.get("members")).anySatisfy(m -> {
      assertThat(m.get("id").asText()).isEqualTo("C");
      assertThat(m.get("ready").asBoolean()).isFalse();
      assertThat(m.get("masterOf").asInt()).isZero();
    });
    // statewall cluster, asked of C, says the same
    StringWriter cli = new StringWriter();
    CommandLine command = new CommandLine(new ClusterCommand());
    command.setOut(new PrintWriter(cli));
    assertThat(command.execute("--api", "127.0.0.1:" + c.api().getPort(), "--api-token-file",
        dir.resolve("token-C").toString())).isZero();
    assertThat(cli.toString()).contains("cluster      test\n", "member       C\n", "CANNOT COMPILE")
        .containsPattern("C \\(this\\) +127\\.0\\.0\\.1:47902 +no +0 switch");
    // asked on C itself, the apply is committed but C says it cannot run it
    HttpResponse<String> onC = put(c, newer);
    assertThat(onC.statusCode()).as(onC.body()).isEqualTo(409);
    assertThat(onC.body()).contains("cannot compile it");

    // closing the master of switch 1 moves its switches to the one member left that can be master, at a higher epoch
    Mastership m1 = members.get("A").mastership(1);
    String dead = m1.master().orElseThrow();
    String heir = dead.equals("A") ? "B" : "A";
    Map<Long, Mastership> beforeKill = new LinkedHashMap<>();
    for (RoleSwitch sw : switches) {
      beforeKill.put(sw.dpid.getLong(), members.get(heir).mastership(sw.dpid.getLong()));
    }
    members.remove(dead).controller().close();
    await("every switch is mastered by " + heir + " as the switch confirmed", () -> switches.stream().allMatch(sw ->
        members.get(heir).mastership(sw.dpid.getLong()).isMaster(heir) && sw.master().equals(Optional.of(heir))
            && masterFence(heir, sw.dpid.getLong())));
    for (RoleSwitch sw : switches) {
      long dpid = sw.dpid.getLong();
      Mastership was = beforeKill.get(dpid);
      Mastership now = members.get(heir).mastership(dpid);
      if (was.isMaster(dead)) {
        assertThat(now.epoch()).as("epoch of %s after its master %s closed", sw.dpid, dead).isGreaterThan(was.epoch());
      } else {
        assertThat(now).isEqualTo(was);
      }
      RoleCall last = sw.mastersTaken().get(sw.mastersTaken().size() - 1);
      assertThat(last).isEqualTo(new RoleCall(heir, OFControllerRole.ROLE_MASTER, now.epoch(), true));
    }
    assertThat(members.get("C").cluster().fence().mayWrite(switches.get(0).dpid)).isFalse();
    // no member wrote to a switch while it was SLAVE there (OVS would have refused each as IS_SLAVE)
    for (RoleSwitch sw : switches) {
      assertThat(sw.writes()).as("writes to %s", sw.dpid).isNotEmpty()
          .allSatisfy(w -> assertThat(w.role()).as("%s's %s", w.member(), w.type())
              .isNotEqualTo(OFControllerRole.ROLE_SLAVE));
    }
    // every MASTER a switch took had a higher generation than the one before it
    for (RoleSwitch sw : switches) {
      List<Long> generations = sw.mastersTaken().stream().map(RoleCall::generation).toList();
      assertThat(generations).isSorted().doesNotHaveDuplicates();
    }
  }

  /**
   * All members restarted with empty (in-memory) logs while the switches ran on: the cluster's epochs start
   * again at 1, and a switch that kept a higher generation id refuses every request as stale. The master
   * reads the switch's generation and commits an epoch past it, and the switch takes it.
   */
  @Test
  void aSwitchThatHasSeenAHigherGenerationGetsAMasterPastIt() throws Exception {
    startAll(write("policy.yaml", "servers.rules", ClusterTestMembers.SSH_SERVER_RULES));
    RoleSwitch sw = RoleSwitch.thatHasSeen(7, 1_000);
    switches.add(sw);
    for (Member m : members.values()) {
      sw.connect(m.id(), m.openflow());
    }
    await("the switch has a master confirmed at an epoch past the generation it had seen", () -> {
      Mastership m = members.get("A").mastership(7);
      return m.master().isPresent() && m.epoch() > 1_000 && sw.master().equals(m.master())
          && masterFence(m.master().get(), 7);
    });
    Mastership committed = members.get("A").mastership(7);
    assertThat(committed.epoch()).as("the switch's generation plus one").isEqualTo(1_001);
    List<RoleCall> masters = sw.calls().stream().filter(c -> c.role() == OFControllerRole.ROLE_MASTER).toList();
    assertThat(masters).as("refused as stale at the log's own epoch, taken past the switch's")
        .first().satisfies(c -> assertThat(c.accepted()).isFalse());
    assertThat(masters.stream().filter(RoleCall::accepted).toList())
        .containsExactly(new RoleCall(committed.master().get(), OFControllerRole.ROLE_MASTER, 1_001, true));
    await("every member applied the raised epoch", () -> members.values().stream()
        .allMatch(m -> m.mastership(7).equals(committed)));
    for (Member m : members.values()) {
      if (!committed.isMaster(m.id())) {
        assertThat(m.cluster().fence().mayWrite(sw.dpid)).isFalse();
      }
    }
  }

  @Test
  void networkMastershipGivesEverySwitchToOneMemberAndItsFailoverToOneHeir() throws Exception {
    Path policy = write("policy.yaml", "servers.rules", ClusterTestMembers.SSH_SERVER_RULES);
    for (String id : IDS) {
      members.put(id, new ClusterTestMembers.Cluster(clusterName, IDS, 47900, dir).start(id, policy,
          text -> text.compile(new PolicyLoader()), wiring -> {}, "network"));
    }
    await("every member is ready", () -> members.values().stream().allMatch(m ->
        m.cluster().ready() && m.cluster().member().state().view().ready().keySet().containsAll(IDS)));
    for (long dpid = 1; dpid <= 6; dpid++) {
      RoleSwitch sw = new RoleSwitch(dpid);
      switches.add(sw);
      for (Member m : members.values()) {
        sw.connect(m.id(), m.openflow());
      }
    }
    await("one member is the confirmed master of all six", () -> {
      Set<Optional<String>> masters = new java.util.HashSet<>();
      switches.forEach(sw -> masters.add(sw.master()));
      return masters.size() == 1 && masters.iterator().next().isPresent()
          && switches.stream().allMatch(sw -> masterFence(sw.master().get(), sw.dpid.getLong()));
    });
    assertThat(members.get("A").cluster().member().state().view().placement()).contains(Placement.NETWORK);
    String one = switches.get(0).master().orElseThrow();

    members.remove(one).controller().close();
    await("one heir is the confirmed master of all six", () -> {
      Set<Optional<String>> masters = new java.util.HashSet<>();
      switches.forEach(sw -> masters.add(sw.master()));
      return masters.size() == 1 && masters.iterator().next().filter(h -> !h.equals(one)).isPresent()
          && switches.stream().allMatch(sw -> masterFence(sw.master().get(), sw.dpid.getLong()));
    });
  }

  @Test
  void aConnectionThroughTheMasterIsReplicatedAndTheHeirHasItEstablishedWhenItTakesTheSwitch() throws Exception {
    // the server answers only connections conntrack knows: a reply the heir had not been told of is dropped
    Path policy = write("policy.yaml", "servers.rules", ClusterTestMembers.SSH_SERVER_RULES);
    for (String id : IDS) {
      start(id, policy);
    }
    await("every member is ready", () -> members.values().stream().allMatch(m ->
        m.cluster().ready() && m.cluster().member().state().view().ready().keySet().containsAll(IDS)));
    RoleSwitch sw = new RoleSwitch(1);
    switches.add(sw);
    for (Member m : members.values()) {
      sw.connect(m.id(), m.openflow());
    }
    await("the switch has a master confirmed at the committed epoch", () -> {
      Mastership m = members.get("A").mastership(1);
      return m.master().isPresent() && sw.master().equals(m.master()) && masterFence(m.master().get(), 1);
    });
    String owner = sw.master().orElseThrow();
    handshake(sw, owner, 40000);
    await(owner + " tracks the connection ESTABLISHED", () -> "ESTABLISHED".equals(members.get(owner).tcpState(40000)));
    await(owner + " offloaded it (the switch carries it under a cookie)", () -> cookie(members.get(owner), 40000) != null);
    U64 cookie = cookie(members.get(owner), 40000);
    await("every other member holds it as " + owner + "'s replica, ESTABLISHED", () -> members.values().stream()
        .filter(m -> !m.id().equals(owner)).allMatch(m -> m.cluster().replicator().replicasOf(owner).stream()
            .anyMatch(r -> r.original().srcPort() == 40000 && r.tcpStateName().equals("ESTABLISHED"))));
    assertThat(members.values()).filteredOn(m -> !m.id().equals(owner))
        .allSatisfy(m -> assertThat(m.tcpState(40000)).as("%s's live conntrack", m.id()).isNull());
    // the API and /metrics show replication: the owner's batches, a follower's lag
    JsonNode atOwner = JSON.readTree(send(members.get(owner),
        HttpRequest.newBuilder(URI.create(base(members.get(owner)) + "/api/v1/cluster")).GET()).body());
    assertThat(atOwner.get("replicationBatchesSent").asLong()).isPositive();
    assertThat(atOwner.get("replicationBatchesLost").asLong()).isZero();
    Member follower = members.values().stream().filter(m -> !m.id().equals(owner)).findFirst().orElseThrow();
    JsonNode atFollower = JSON.readTree(send(follower,
        HttpRequest.newBuilder(URI.create(base(follower) + "/api/v1/cluster")).GET()).body());
    assertThat(atFollower.get("replicationLagSeconds").isNumber()).isTrue();
    assertThat(atFollower.get("replicationQueue").isNumber()).isTrue();
    String metrics = send(members.get(owner), HttpRequest.newBuilder(URI.create(base(members.get(owner)) + "/metrics"))
        .GET()).body();
    assertThat(metrics).containsPattern("(?m)^statewall_replication_batches_sent_total [1-9]")
        .contains("statewall_replication_lag_seconds ", "statewall_replication_queue ");
    // and the Raft log: the leader knows how far every member applied it, each member its own
    Member leader = members.get(members.get("A").cluster().member().leader().orElseThrow());
    long commit = leader.cluster().member().commitIndex();
    await("the leader's API shows every member applied up to its commit index", () -> {
      JsonNode c;
      try {
        c = JSON.readTree(send(leader, HttpRequest.newBuilder(URI.create(base(leader) + "/api/v1/cluster")).GET())
            .body());
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
      long now = c.get("commitIndex").asLong();
      List<Long> applied = new ArrayList<>();
      c.get("members").forEach(m -> applied.add(m.path("applied").asLong(-1)));
      return now >= commit && applied.size() == 3 && applied.stream().allMatch(a -> a == now)
          && c.get("lastApplied").asLong() == now && c.get("lastAppended").asLong() >= now;
    });
    String leaderMetrics = send(leader, HttpRequest.newBuilder(URI.create(base(leader) + "/metrics")).GET()).body();
    assertThat(leaderMetrics).containsPattern("(?m)^statewall_raft_commit_index [1-9]")
        .containsPattern("(?m)^statewall_raft_last_appended_index [1-9]");
    for (String id : List.of("A", "B", "C")) {
      assertThat(leaderMetrics).containsPattern("(?m)^statewall_raft_applied_index\\{member=\"" + id + "\"\\} [1-9]");
    }
    Member aFollower = members.values().stream().filter(m -> m != leader).findFirst().orElseThrow();
    JsonNode atAFollower = JSON.readTree(send(aFollower,
        HttpRequest.newBuilder(URI.create(base(aFollower) + "/api/v1/cluster")).GET()).body());
    assertThat(atAFollower.get("members")).as("a follower knows how far only it applied the log")
        .filteredOn(m -> m.hasNonNull("applied")).hasSize(1).allSatisfy(m -> assertThat(m.get("self").asBoolean()).isTrue());

    members.remove(owner).controller().close();
    // from the moment the switch has the heir as master, the heir's live conntrack has the connection
    List<String> notYetLive = new ArrayList<>();
    await("the switch is mastered by a survivor, as the switch confirmed", () -> {
      Optional<String> master = sw.master();
      if (master.isEmpty() || master.get().equals(owner)) {
        return false;
      }
      if (!"ESTABLISHED".equals(members.get(master.get()).tcpState(40000))) {
        notYetLive.add(master.get());
      }
      return masterFence(master.get(), 1);
    });
    assertThat(notYetLive).as("heirs seen master before the connection was live there").isEmpty();
    Member heir = members.get(sw.master().orElseThrow());
    assertThat(heir.cluster().replicator().metrics().replicasPromoted()).isPositive();
    // FLOW_REMOVED and flow statistics find it by the cookie its switch entries carry, as on the owner
    assertThat(heir.assembler().firewall().offloads().entry(cookie)).get()
        .satisfies(e -> assertThat(e.tuple(CtDirection.ORIGINAL).srcPort()).isEqualTo(40000));
    JsonNode listed = JSON.readTree(send(heir, HttpRequest.newBuilder(URI.create(base(heir) + "/api/v1/conntrack"))
        .GET()).body());
    assertThat(listed.findValues("line")).map(JsonNode::asText)
        .anySatisfy(line -> assertThat(line).contains("ESTABLISHED", "sport=40000", "dport=22"));

    // a new connection through the heir is served
    handshake(sw, heir.id(), 40001);
    await(heir.id() + " tracks the new connection ESTABLISHED", () -> "ESTABLISHED".equals(heir.tcpState(40001)));
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

  /** The cookie {@code m}'s offload table has for the connection from client port {@code port}, or null. */
  private static U64 cookie(Member m, int port) {
    OffloadTable offloads = m.assembler().firewall().offloads();
    return offloads.entries().stream().filter(e -> e.tuple(CtDirection.ORIGINAL).srcPort() == port).findFirst()
        .flatMap(offloads::cookie).orElse(null);
  }

  private boolean masterFence(String id, long dpid) {
    Member m = members.get(id);
    return m != null && m.fencedAsMaster(dpid);
  }

  private Path write(String policyName, String rulesName, String rules) throws Exception {
    Files.writeString(dir.resolve(rulesName), rules);
    return Files.writeString(dir.resolve(policyName), "hosts:\n  - address: 10.0.0.1\n    rules: " + rulesName + "\n");
  }

  /** What {@code statewall policy apply FILE} sends: the policy's text and its rule file. */
  private static String body(Path policy) throws Exception {
    String yaml = Files.readString(policy);
    String rules = yaml.substring(yaml.indexOf("rules: ") + 7).strip();
    return JSON.writeValueAsString(Map.of("name", policy.toAbsolutePath().toString(), "policy", yaml,
        "files", Map.of(rules, Files.readString(policy.resolveSibling(rules)))));
  }

  private HttpResponse<String> put(Member m, Path policy) throws Exception {
    return send(m, HttpRequest.newBuilder(URI.create(base(m) + "/api/v1/policy"))
        .header("Content-Type", "application/json").PUT(HttpRequest.BodyPublishers.ofString(body(policy))));
  }

  private static String base(Member m) {
    return "http://127.0.0.1:" + m.api().getPort();
  }

  private HttpResponse<String> send(Member m, HttpRequest.Builder b) throws Exception {
    return http.send(b.header("Authorization", "Bearer " + m.token()).timeout(Duration.ofSeconds(15)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  /** The members' API's hosts, as text: each with the switch it is attached to. */
  private String hosts(Member m) {
    try {
      return send(m, HttpRequest.newBuilder(URI.create(base(m) + "/api/v1/hosts")).GET()).body();
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

}
