package io.statewall.cluster.replication;

import static io.statewall.cluster.ClusterHarness.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.statewall.cluster.ClusterHarness;
import io.statewall.cluster.ClusterMember;
import io.statewall.cluster.ClusterRoles;
import io.statewall.netfilter.conntrack.CtEntry;
import io.statewall.netfilter.conntrack.CtLookup;
import io.statewall.netfilter.conntrack.CtState;
import io.statewall.netfilter.conntrack.CtTuple;
import io.statewall.netfilter.conntrack.TcpFlow;
import io.statewall.netfilter.packet.FrameBuilder;
import io.statewall.netfilter.packet.Packet;
import io.statewall.netfilter.packet.PacketParser;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Three members in one JVM, each with its own live conntrack and replicator: what A's conntrack does
 * shows on B and C within a bound, gaps are healed, and when A dies the heirs of its switches commit its
 * connections (with state, offload cookie and expectation) before they take the role.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ConntrackReplicationTest {
  /** Replicas must match within this (a batch waits at most 5 ms; the rest is the JVM and JGroups). */
  private static final Duration BOUND = Duration.ofSeconds(2);
  /**
   * How long a condition is awaited: only a failing run waits it out. 2 s (the lag bound) was once too
   * short for a fresh channel's delivery on a loaded machine (session 14).
   */
  private static final Duration AWAIT = Duration.ofSeconds(10);
  private static final Set<Long> SWITCHES = LongStream.rangeClosed(1, 30).boxed().collect(Collectors.toSet());
  private static final PacketParser PARSER = new PacketParser();

  private final List<ReplicationNode> nodes = new ArrayList<>();
  private ClusterHarness cluster;
  /** MASTER roles delivered to the subscribers of {@link #watchRoles}, as "member/dpid". */
  private final Set<String> mastersDelivered = java.util.concurrent.ConcurrentHashMap.newKeySet();

  @AfterEach
  void tearDown() {
    nodes.forEach(ReplicationNode::close);
    if (cluster != null) {
      cluster.close();
    }
  }

  @Test
  void connectionsMadeOnAAppearOnBAndCWithTheSameStateWithinTheBound() throws Exception {
    Map<String, ReplicationNode> n = startNodes("statewall-test-" + System.nanoTime());
    ReplicationNode a = n.get("A");
    for (int i = 0; i < 20; i++) {
      a.established(new TcpFlow("10.0.1." + (1 + i), 40000 + i, "10.0.2.1", 80));
    }
    TcpFlow closing = new TcpFlow("10.0.1.100", 41000, "10.0.2.1", 80);
    a.established(closing);
    a.send(closing.c(Packet.TCP_FIN | Packet.TCP_ACK)); // FIN_WAIT
    TcpFlow half = new TcpFlow("10.0.1.101", 41001, "10.0.2.1", 80);
    a.send(half.c(Packet.TCP_SYN)); // SYN_SENT, no reply
    Packet udpOut = udp("10.0.1.102", 5353, "10.0.2.1", 53);
    a.send(udpOut);
    a.send(udp("10.0.2.1", 53, "10.0.1.102", 5353)); // SEEN_REPLY

    Map<CtTuple, String> live = a.liveState();
    assertThat(live).hasSize(23);
    assertThat(live.get(ReplicationNode.tuple(closing))).contains("FIN_WAIT");
    awaitWithin(AWAIT, "B and C hold A's table", () -> n.get("B").replicaState("A").equals(live)
        && n.get("C").replicaState("A").equals(live));
    assertThat(n.get("B").tracker.entries()).as("replicas stay out of B's live conntrack").isEmpty();
    ReplicationMetrics m = n.get("B").replicator.metrics();
    assertThat(m.replicasOf("A")).isEqualTo(23);
    assertThat(m.lagMaxMillis()).isLessThan(BOUND.toMillis());
    assertThat(a.replicator.metrics().batchesSent()).isPositive();
  }

  @Test
  void aConnectionThatEndsOnALeavesTheReplicas() throws Exception {
    Map<String, ReplicationNode> n = startNodes("statewall-test-" + System.nanoTime());
    ReplicationNode a = n.get("A");
    TcpFlow f = new TcpFlow("10.0.1.1", 40000, "10.0.2.1", 80);
    TcpFlow g = new TcpFlow("10.0.1.2", 40000, "10.0.2.1", 80);
    a.established(f);
    a.established(g);
    awaitWithin(AWAIT, "both replicated", () -> n.get("C").replicaState("A").size() == 2);

    assertThat(a.tracker.delete(ReplicationNode.tuple(f))).isEqualTo(1);
    a.send(g.c(Packet.TCP_RST)); // CLOSE, for its 10 s

    CtTuple gt = ReplicationNode.tuple(g);
    awaitWithin(AWAIT, "the deleted one gone from B and C, the reset one CLOSE", () -> List.of("B", "C").stream()
        .allMatch(id -> n.get(id).replicaState("A").keySet().equals(Set.of(gt))
            && n.get(id).replicaState("A").get(gt).contains("tcp=CLOSE")));
  }

  @Test
  void aLostBatchIsDetectedAndResent() throws Exception {
    Map<String, ReplicationNode> n = startNodes("statewall-test-" + System.nanoTime());
    ReplicationNode a = n.get("A");
    a.replicator.awaitQueuedWork(); // the resets the joins brought are out: they would mend any gap
    a.replicator.loseNextBatches(1);
    TcpFlow lost = new TcpFlow("10.0.1.1", 40000, "10.0.2.1", 80);
    a.established(lost);
    await("the lost batch numbered", () -> a.replicator.metrics().batchesSent() > 0 && a.replicator
        .metrics().queueLength() == 0);
    a.established(new TcpFlow("10.0.1.2", 40000, "10.0.2.1", 80)); // its batch shows the gap

    Map<CtTuple, String> live = a.liveState();
    awaitWithin(AWAIT, "B and C have both", () -> n.get("B").replicaState("A").equals(live)
        && n.get("C").replicaState("A").equals(live));
    assertThat(n.get("B").replicator.metrics().batchesLost()).isEqualTo(1);
    assertThat(n.get("B").replicator.metrics().resendRequests()).isEqualTo(1);
    assertThat(a.replicator.metrics().batchesResent()).isEqualTo(2); // once for B, once for C
  }

  @Test
  void lateReplicasOfASwitchAlreadyTakenOverGoStraightIntoLiveConntrack() throws Exception {
    Map<String, ReplicationNode> n = startNodes("statewall-test-" + System.nanoTime());
    ReplicationNode a = n.get("A");
    ReplicationNode b = n.get("B");
    TcpFlow early = new TcpFlow("10.0.7.1", 40000, "10.0.2.1", 80);
    a.established(early);
    awaitWithin(AWAIT, "B holds the early one", () -> b.replicaState("A").size() == 1);

    assertThat(b.replicator.promote("A", 7, true)).isEqualTo(1);
    TcpFlow late = new TcpFlow("10.0.7.2", 40000, "10.0.2.1", 80);
    a.established(late); // A's batch still on its way when B took switch 7
    TcpFlow elsewhere = new TcpFlow("10.0.8.1", 40000, "10.0.2.1", 80);
    a.established(elsewhere);

    awaitWithin(AWAIT, "the late one live on B", () -> b.entry(ReplicationNode.tuple(late)).isPresent());
    assertThat(b.entry(ReplicationNode.tuple(late)).orElseThrow().tcpStateName()).isEqualTo("ESTABLISHED");
    assertThat(b.entry(ReplicationNode.tuple(early))).isPresent();
    awaitWithin(AWAIT, "switch 8's stays a replica", () -> b.replicaState("A").containsKey(
        ReplicationNode.tuple(elsewhere)));
    assertThat(b.entry(ReplicationNode.tuple(elsewhere))).isEmpty();
    a.tracker.delete(ReplicationNode.tuple(late));
    awaitWithin(AWAIT, "a late destroy deletes it there too", () -> b.entry(ReplicationNode.tuple(late)).isEmpty());
  }

  @Test
  void aSwitchHandedOverToALiveMemberLeavesTheOldMastersTableAndItsEndsThereDeleteNothing() throws Exception {
    Map<String, ReplicationNode> n = startNodes("statewall-test-" + System.nanoTime());
    ReplicationNode a = n.get("A");
    ReplicationNode b = n.get("B");
    TcpFlow moving = new TcpFlow("10.0.7.1", 40000, "10.0.2.1", 80);
    TcpFlow staying = new TcpFlow("10.0.8.1", 40000, "10.0.2.1", 80);
    a.established(moving);
    a.established(staying);
    awaitWithin(AWAIT, "B holds both", () -> b.replicaState("A").size() == 2);

    // a rebalance gives switch 7 to B while A lives: B commits its copy, A hands its own over
    assertThat(b.replicator.promote("A", 7, true)).isEqualTo(1);
    assertThat(a.replicator.handOver("B", 7)).isEqualTo(1);
    CtTuple moved = ReplicationNode.tuple(moving);
    assertThat(a.entry(moved)).as("out of A's live conntrack").isEmpty();
    assertThat(a.entry(ReplicationNode.tuple(staying))).as("switch 8 is still A's").isPresent();
    assertThat(a.replicaState("B")).as("A keeps a replica of B's, for a takeover back")
        .containsOnlyKeys(moved).allSatisfy((t, state) -> assertThat(state).contains("ESTABLISHED"));

    // what A's expiry or a conntrack -F there did before: a destroy that deleted B's live copy
    a.tracker.flush();
    a.replicator.flush();
    // C: A's end of switch 8's connection arrived, and the moved one is B's (B's commit replicated it)
    awaitWithin(AWAIT, "C holds the moved one as B's, nothing as A's", () -> n.get("C").replicaState("A").isEmpty()
        && n.get("C").replicaState("B").containsKey(moved));
    assertThat(b.entry(moved)).as("B's live copy").isPresent();
    assertThat(b.entry(moved).orElseThrow().tcpStateName()).isEqualTo("ESTABLISHED");

    // B owns it now: its end reaches A's replica of it
    b.tracker.delete(moved);
    awaitWithin(AWAIT, "B's destroy reached A", () -> a.replicaState("B").isEmpty());
  }

  /**
   * After a live handover, the old master can still own a connection entering at that switch: an
   * active-mode FTP data connection of a control connection it owns, judged by it through the relay (the
   * expectation is its). The new master keeps it as that owner's replica, not as a late one in its own
   * live conntrack (two live copies, the second replicated by nobody: CI lost such a connection in session
   * 15), and commits it when the owner is gone.
   */
  @Test
  void aConnectionItsOwnerMakesAtASwitchItHandedOverStaysItsOwnersUntilItLeaves() throws Exception {
    Map<String, ReplicationNode> n = startNodes("statewall-test-" + System.nanoTime());
    ReplicationNode a = n.get("A");
    ReplicationNode b = n.get("B");
    TcpFlow before = new TcpFlow("10.0.7.1", 40000, "10.0.2.1", 80);
    a.established(before);
    awaitWithin(AWAIT, "B holds it", () -> b.replicaState("A").size() == 1);
    assertThat(b.replicator.promote("A", 7, false)).isEqualTo(1);
    TcpFlow raced = new TcpFlow("10.0.7.2", 40000, "10.0.2.1", 80);
    a.established(raced); // a transition of A's before it applied the handover: late, live on B
    awaitWithin(AWAIT, "the raced one live on B", () -> b.entry(ReplicationNode.tuple(raced)).isPresent());
    assertThat(a.replicator.handOver("B", 7)).isEqualTo(2);

    TcpFlow data = new TcpFlow("10.0.7.3", 20, "10.0.2.1", 43637);
    a.established(data); // A's own after the handover: its ingress is switch 7, its expectation A's
    CtTuple t = ReplicationNode.tuple(data);
    awaitWithin(AWAIT, "B holds it as A's replica", () -> b.replicaState("A").containsKey(t));
    assertThat(b.entry(t)).as("not in B's live conntrack while A owns it").isEmpty();
    assertThat(n.get("C").replicaState("A")).containsKey(t);

    a.close();
    awaitWithin(AWAIT, "A gone from B's view", () -> b.replicator.viewSize() == 2);
    assertThat(b.replicator.promote("A", 7, true)).as("committed once its owner left").isEqualTo(1);
    assertThat(b.entry(t).orElseThrow().tcpStateName()).isEqualTo("ESTABLISHED");
  }

  /**
   * A connection whose ingress its owner does not know (its source is beyond a router): an heir commits it
   * only after the owner left; a rebalance away from a live owner leaves it that owner's, or both would
   * hold it live and replicate it.
   */
  @Test
  void aConnectionOfUnknownIngressStaysALiveOwnersAndGoesToTheHeirOfAGoneOne() throws Exception {
    Map<String, ReplicationNode> n = startNodes("statewall-test-" + System.nanoTime());
    ReplicationNode a = n.get("A");
    ReplicationNode b = n.get("B");
    ReplicationNode c = n.get("C");
    TcpFlow routed = new TcpFlow("192.168.5.1", 40000, "10.0.2.1", 80);
    TcpFlow onSeven = new TcpFlow("10.0.7.1", 40000, "10.0.2.1", 80);
    a.established(routed);
    a.established(onSeven);
    awaitWithin(AWAIT, "B and C hold both", () -> b.replicaState("A").size() == 2 && c.replicaState("A").size() == 2);

    // a rebalance gives switch 7 to B while A lives
    assertThat(b.replicator.promote("A", 7, false)).as("only switch 7's").isEqualTo(1);
    assertThat(a.replicator.handOver("B", 7)).isEqualTo(1);
    assertThat(b.entry(ReplicationNode.tuple(routed))).as("still A's").isEmpty();
    TcpFlow later = new TcpFlow("192.168.5.2", 40000, "10.0.2.1", 80);
    a.established(later); // A's, of unknown ingress, after the rebalance
    // C too, before it is asked to promote it below (CI once promoted 1 of 2: C had not received it yet)
    awaitWithin(AWAIT, "B and C hold it as A's replica", () -> b.replicaState("A").containsKey(ReplicationNode.tuple(later))
        && c.replicaState("A").containsKey(ReplicationNode.tuple(later)));
    assertThat(b.entry(ReplicationNode.tuple(later))).as("not committed live on B").isEmpty();
    assertThat(a.entry(ReplicationNode.tuple(routed))).as("A's live copy").isPresent();

    // A is gone: C, an heir of another of its switches, takes its unknown-ingress connections with it
    assertThat(c.replicator.promote("A", 9, true)).isEqualTo(2);
    assertThat(c.entry(ReplicationNode.tuple(routed))).isPresent();
    assertThat(c.entry(ReplicationNode.tuple(later))).isPresent();
  }

  @Test
  void aMemberThatJoinsLateGetsEveryOwnersTableAndExpectationsByAReset() throws Exception {
    String name = "statewall-test-" + System.nanoTime();
    ReplicationNode a = new ReplicationNode("A", name).start();
    nodes.add(a);
    ReplicationNode b = new ReplicationNode("B", name).start();
    nodes.add(b);
    await("A and B see each other", () -> a.replicator.viewSize() == 2 && b.replicator.viewSize() == 2);
    for (int i = 0; i < 300; i++) { // more than one batch
      a.established(new TcpFlow("10.0.1." + (1 + i % 200), 40000 + i, "10.0.2.1", 80));
    }
    TcpFlow ctl = new TcpFlow("10.0.1.250", 40000, "10.0.2.2", 21);
    a.established(ctl);
    a.send(ctl.s(ReplicationNode.PA, "220 ready\r\n"));
    a.send(ctl.c(ReplicationNode.PA, "PASV\r\n"));
    a.send(ctl.s(ReplicationNode.PA, "227 Entering Passive Mode (10,0,2,2,19,138).\r\n"));
    b.established(new TcpFlow("10.0.3.1", 40000, "10.0.2.1", 80));
    assertThat(a.tracker.expectations()).hasSize(1);

    ReplicationNode c = new ReplicationNode("C", name).start();
    nodes.add(c);

    Map<CtTuple, String> ofA = a.liveState();
    Map<CtTuple, String> ofB = b.liveState();
    awaitWithin(AWAIT, "C holds A's and B's tables", () -> c.replicaState("A").equals(ofA)
        && c.replicaState("B").equals(ofB) && c.replicator.expectationsHeldOf("A") == 1);
    assertThat(a.replicator.metrics().resetsSent()).isPositive();
  }

  @Test
  void anHeirCommitsTheDeadMastersConnectionsBeforeItTakesTheirSwitches() throws Exception {
    Map<String, ReplicationNode> n = startCluster();
    ReplicationNode a = n.get("A");
    Set<Long> ofA = cluster.member("B").state().view().masteredBy("A").stream().limit(3)
        .collect(Collectors.toSet());
    assertThat(ofA).isNotEmpty();
    Map<CtTuple, Long> cookieOf = new HashMap<>();
    Map<Long, List<CtTuple>> byIngress = new HashMap<>();
    for (long dpid : ofA) {
      for (int i = 0; i < 10; i++) {
        TcpFlow f = new TcpFlow("10.0." + dpid + "." + (1 + i), 40000 + i, "10.0.200.1", 443);
        CtEntry e = a.established(f);
        long cookie = 0x5357_0000_0000_0000L | (dpid << 16) | i;
        a.offload(e, cookie);
        cookieOf.put(ReplicationNode.tuple(f), cookie);
        byIngress.computeIfAbsent(dpid, d -> new ArrayList<>()).add(ReplicationNode.tuple(f));
      }
    }
    Map<CtTuple, String> live = a.liveState();
    awaitWithin(AWAIT, "B and C hold A's table", () -> n.get("B").replicaState("A").equals(live)
        && n.get("C").replicaState("A").equals(live));
    List<String> tooEarly = watchRoles(n, byIngress);

    cluster.crash("A");
    a.close();

    await("A's switches have new masters", () -> cluster.member("B").state().view().masteredBy("A").isEmpty()
        && ofA.stream().allMatch(d -> {
      var m = cluster.member("B").state().view().mastership(d).master();
      return m.isPresent() && !m.get().equals("A");
    }));
    cluster.awaitConverged(); // every heir has applied its mastership
    await("every heir took its switches over (its MASTER role delivered)", () -> ofA.stream().allMatch(d ->
        mastersDelivered.contains(cluster.member("B").state().view().mastership(d).master().orElseThrow() + "/" + d)));
    for (long dpid : ofA) {
      String heir = cluster.member("B").state().view().mastership(dpid).master().orElseThrow();
      ReplicationNode h = n.get(heir);
      for (CtTuple t : byIngress.get(dpid)) {
        CtEntry e = h.entry(t).orElseThrow(() -> new AssertionError(heir + " did not commit " + t));
        assertThat(e.tcpStateName()).isEqualTo("ESTABLISHED");
        assertThat(e.hasStatus(CtEntry.ASSURED)).isTrue();
        assertThat(h.cookies.get(e)).as("offload cookie of %s on %s", t, heir).isEqualTo(cookieOf.get(t));
      }
      assertThat(h.replicaState("A").keySet()).doesNotContainAnyElementsOf(byIngress.get(dpid));
    }
    assertThat(tooEarly).as("roles that went out before the connections were committed").isEmpty();
    long promoted = n.get("B").replicator.metrics().replicasPromoted()
        + n.get("C").replicator.metrics().replicasPromoted();
    assertThat(promoted).isEqualTo(cookieOf.size());
    // the heirs now own them: each replicates them to the other survivor
    awaitWithin(AWAIT, "B and C hold each other's new connections", () ->
        n.get("C").replicaState("B").equals(n.get("B").liveState())
            && n.get("B").replicaState("C").equals(n.get("C").liveState()));
  }

  @Test
  void anExpectationReplicatedBeforeTheVerdictSurvivesItsOwnersDeathAndItsDataConnectionIsRelated()
      throws Exception {
    Map<String, ReplicationNode> n = startCluster();
    ReplicationNode a = n.get("A");
    long dpid = cluster.member("B").state().view().masteredBy("A").iterator().next();
    String client = "10.0." + dpid + ".1";
    TcpFlow ctl = new TcpFlow(client, 40000, "10.0.200.2", 21);
    a.established(ctl);
    a.send(ctl.s(ReplicationNode.PA, "220 ready\r\n"));
    a.send(ctl.c(ReplicationNode.PA, "PASV\r\n"));

    assertThat(a.send(ctl.s(ReplicationNode.PA, "227 Entering Passive Mode (10,0,200,2,19,138).\r\n")).accept())
        .isTrue();

    // synchronous: when the verdict is back, both others have the expectation (no waiting here)
    assertThat(n.get("B").replicator.expectationsHeldOf("A")).isEqualTo(1);
    assertThat(n.get("C").replicator.expectationsHeldOf("A")).isEqualTo(1);
    assertThat(a.replicator.metrics().expectationsSent()).isEqualTo(1);
    assertThat(a.replicator.metrics().expectationTimeouts()).isZero();
    watchRoles(n, Map.of());

    cluster.crash("A");
    a.close();

    await("A's switch has a new master", () -> cluster.member("B").state().view().mastership(dpid).master()
        .filter(m -> !m.equals("A")).isPresent());
    cluster.awaitConverged();
    String heirId = cluster.member("B").state().view().mastership(dpid).master().orElseThrow();
    await(heirId + " took the switch over (its MASTER role delivered)", () -> mastersDelivered.contains(heirId + "/" + dpid));
    ReplicationNode heir = n.get(heirId);
    CtEntry control = heir.entry(ReplicationNode.tuple(ctl)).orElseThrow();
    assertThat(control.helper()).isEqualTo("ftp");
    assertThat(heir.tracker.expectations()).hasSize(1);
    TcpFlow data = new TcpFlow(client, 40100, "10.0.200.2", 5002);
    CtLookup first = heir.classify(data.c(Packet.TCP_SYN));
    assertThat(first.state()).isEqualTo(CtState.RELATED);
    heir.tracker.confirm(first);

    // the session goes on at the heir: its helper reads the next PASV reply, though it saw no line end yet
    heir.send(ctl.c(ReplicationNode.PA, "PASV\r\n"));
    assertThat(heir.send(ctl.s(ReplicationNode.PA, "227 Entering Passive Mode (10,0,200,2,19,139).\r\n"))
        .accept()).isTrue();
    assertThat(heir.tracker.expectations()).singleElement().extracting(e -> e.dstPort()).isEqualTo(5003);
  }

  // ------------------------------------------------------------------------------------------

  private Map<String, ReplicationNode> startNodes(String clusterName) throws Exception {
    Map<String, ReplicationNode> out = new HashMap<>();
    for (String id : List.of("A", "B", "C")) {
      ReplicationNode node = new ReplicationNode(id, clusterName).start();
      nodes.add(node);
      out.put(id, node);
    }
    await("one replication view of three", () -> out.values().stream().allMatch(x -> x.replicator.viewSize() == 3));
    return out;
  }

  /** Members A, B, C ready for switches 1..30, each with its node; the takeover hook wired to promotion. */
  private Map<String, ReplicationNode> startCluster() throws Exception {
    cluster = new ClusterHarness("A", "B", "C");
    for (String id : cluster.ids) {
      cluster.start(id);
    }
    cluster.awaitLeader(cluster.ids);
    for (ClusterMember m : cluster.running()) {
      m.ready(SWITCHES).get(10, TimeUnit.SECONDS);
    }
    cluster.awaitConverged();
    Map<String, ReplicationNode> n = startNodes(cluster.clusterName);
    for (String id : cluster.ids) {
      ReplicationNode node = n.get(id);
      cluster.member(id).onTakeover((dpid, previous, first) -> node.replicator.promote(previous, dpid,
          first && !cluster.member(id).state().view().ready().containsKey(previous)));
    }
    return n;
  }

  /**
   * Subscribes to each member's roles as the role requester does, and notes every MASTER role that
   * arrives before the connections entering at that switch are in the member's live conntrack; and, in
   * {@link #mastersDelivered}, every MASTER role delivered ("B/7"): the takeover before it has run then
   * (it runs on the member's roles thread, after the state machine applied the entry).
   */
  private List<String> watchRoles(Map<String, ReplicationNode> n, Map<Long, List<CtTuple>> byIngress) {
    List<String> tooEarly = new CopyOnWriteArrayList<>();
    for (String id : List.of("B", "C")) {
      ReplicationNode node = n.get(id);
      new ClusterRoles(cluster.member(id)).subscribe(role -> {
        if (!role.master()) {
          return;
        }
        mastersDelivered.add(id + "/" + role.dpid().getLong());
        for (CtTuple t : byIngress.getOrDefault(role.dpid().getLong(), List.of())) {
          if (node.entry(t).isEmpty()) {
            tooEarly.add(id + " master of " + role.dpid() + " without " + t);
          }
        }
      });
    }
    return tooEarly;
  }

  private static Packet udp(String src, int sport, String dst, int dport) {
    return PARSER.parse(FrameBuilder.ip(src, dst).udp(sport, dport).payload("q").build());
  }

  /** As {@link ClusterHarness#await}, with a tighter deadline: the bound under test. */
  static void awaitWithin(Duration bound, String what, BooleanSupplier condition) throws TimeoutException {
    long deadline = System.nanoTime() + bound.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new TimeoutException("not within " + bound + ": " + what);
      }
      LockSupport.parkNanos(2_000_000);
    }
  }
}
