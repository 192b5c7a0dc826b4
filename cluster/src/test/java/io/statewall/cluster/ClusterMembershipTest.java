package io.statewall.cluster;

import static io.statewall.cluster.ClusterHarness.await;
import static io.statewall.cluster.ClusterHarness.heal;
import static io.statewall.cluster.ClusterHarness.partition;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.reflect.Field;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.LongStream;
import org.jgroups.protocols.raft.RAFT;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Several members in one JVM on JGroups' SHARED_LOOPBACK with in-memory Raft logs: what the committed
 * state says about mastership as members join, leave, crash, arrive late and are cut off.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class ClusterMembershipTest {
  private static final Set<Long> SWITCHES = LongStream.rangeClosed(1, 30).boxed().collect(Collectors.toSet());
  private static final long WAIT_S = 10;

  private ClusterHarness cluster;

  @AfterEach
  void everyEpochHadOneMasterAndEpochsOnlyGrew() {
    try {
      // across every member and every change applied: one master per (datapath, epoch), epochs growing
      Map<String, String> masterOfEpoch = new HashMap<>();
      Map<String, Long> lastEpoch = new HashMap<>();
      for (ClusterHarness.Applied a : cluster.history) {
        String key = a.dpid() + "@" + a.after().epoch();
        String master = a.after().master().orElse("");
        String earlier = masterOfEpoch.putIfAbsent(key, master);
        assertThat(earlier == null ? master : earlier).as("master of %s", key).isEqualTo(master);
        Long last = lastEpoch.put(a.run() + "/" + a.dpid(), a.after().epoch());
        if (last != null) {
          assertThat(a.after().epoch()).as("epoch of %s on %s", a.dpid(), a.member()).isGreaterThan(last);
        }
      }
    } finally {
      cluster.close();
    }
  }

  @Test
  void threeMembersShareTheSwitchesAndAllSeeOneMasterEach() throws Exception {
    startAll("A", "B", "C");
    readyAll();

    cluster.awaitConverged();
    MastershipStateMachine.View v = cluster.member("A").state().view();
    assertThat(v.masters().keySet()).isEqualTo(SWITCHES);
    for (String id : cluster.ids) {
      assertThat(v.masteredBy(id)).as("switches of %s", id).isNotEmpty();
    }
    v.masters().values().forEach(m -> assertThat(m.master()).get().isIn(cluster.ids));
  }

  @Test
  void aLeavingMemberHandsItsSwitchesOnWithHigherEpochs() throws Exception {
    startAll("A", "B", "C");
    readyAll();
    cluster.awaitConverged();
    Map<Long, Mastership> before = cluster.member("A").state().view().masters();
    Set<Long> ofB = cluster.member("A").state().view().masteredBy("B");

    cluster.member("B").leaveAndClose(ClusterHarness.TIMEOUT);
    cluster.members.remove("B");

    await("B's switches moved", () -> cluster.member("A").state().view().masteredBy("B").isEmpty());
    cluster.awaitConverged();
    cluster.member("A").state().view().masters().forEach((dpid, now) -> {
      if (ofB.contains(dpid)) {
        assertThat(now.master()).get().isIn("A", "C");
        assertThat(now.epoch()).isGreaterThan(before.get(dpid).epoch());
      } else {
        assertThat(now).isEqualTo(before.get(dpid));
      }
    });
  }

  @Test
  void theLeaderCommitsACrashedMemberAsLeftAndItsSwitchesMove() throws Exception {
    startAll("A", "B", "C");
    readyAll();
    cluster.awaitConverged();
    String leader = cluster.awaitLeader(cluster.ids);
    String victim = cluster.ids.stream().filter(id -> !id.equals(leader)).findFirst().orElseThrow();
    Set<Long> ofVictim = cluster.member(leader).state().view().masteredBy(victim);
    assertThat(ofVictim).isNotEmpty();

    cluster.crash(victim); // no Leave committed: the leader sees it gone from the view

    await("the crashed member's switches moved",
        () -> !cluster.member(leader).state().view().ready().containsKey(victim)
            && cluster.member(leader).state().view().masteredBy(victim).isEmpty());
    cluster.awaitConverged();
    for (long dpid : ofVictim) {
      assertThat(cluster.member(leader).state().view().mastership(dpid).master()).get().isNotEqualTo(victim);
    }
  }

  @Test
  void aKilledLeaderIsReplacedItsSwitchesMoveAndItRejoinsAsAFollowerReadyOnlyWhenItSaysSo() throws Exception {
    startAll("A", "B", "C");
    readyAll();
    cluster.awaitConverged();
    String old = cluster.awaitLeader(cluster.ids);
    long oldTerm = cluster.member(old).term();
    List<String> others = cluster.ids.stream().filter(id -> !id.equals(old)).toList();
    Map<Long, Mastership> before = cluster.member(old).state().view().masters();
    Set<Long> ofOld = cluster.member(old).state().view().masteredBy(old);
    assertThat(ofOld).isNotEmpty();

    cluster.crash(old); // no Leave: the next leader must see it gone and commit it

    String next = cluster.awaitLeader(others);
    long nextTerm = cluster.member(next).term();
    assertThat(nextTerm).as("the new leader's term").isGreaterThan(oldTerm);
    await("the dead leader committed as left", () -> !cluster.member(next).state().view().ready().containsKey(old));
    cluster.awaitConverged();
    Map<Long, Mastership> after = cluster.member(next).state().view().masters();
    assertThat(after.keySet()).isEqualTo(SWITCHES);
    after.forEach((dpid, now) -> {
      if (ofOld.contains(dpid)) {
        assertThat(now.master()).as("heir of %s", dpid).get().isIn(others);
        assertThat(now.epoch()).as("epoch of %s", dpid).isGreaterThan(before.get(dpid).epoch());
      } else {
        assertThat(now).as("a survivor's switch %s", dpid).isEqualTo(before.get(dpid));
      }
    });

    ClusterMember back = cluster.start(old); // same id, new process, empty log
    await("the old leader caught up as a follower", () -> back.leader().equals(Optional.of(next))
        && !back.isLeader() && back.state().view().equals(cluster.member(next).state().view()));
    assertThat(cluster.member(next).isLeader()).as("%s still leader", next).isTrue();
    assertThat(cluster.member(next).term()).as("no election for a follower's return").isEqualTo(nextTerm);
    assertThat(back.state().view().masteredBy(old)).as("nothing before it declared ready").isEmpty();
    assertThat(back.state().view().masters()).isEqualTo(after);

    back.ready(SWITCHES).get(WAIT_S, TimeUnit.SECONDS);
    cluster.awaitConverged();
    Map<Long, Mastership> rejoined = back.state().view().masters();
    assertThat(back.state().view().masteredBy(old)).as("its share back").isEqualTo(ofOld);
    rejoined.forEach((dpid, now) -> {
      if (ofOld.contains(dpid)) {
        assertThat(now.epoch()).as("epoch of %s", dpid).isGreaterThan(after.get(dpid).epoch());
      } else {
        assertThat(now).as("a survivor's switch %s", dpid).isEqualTo(after.get(dpid));
      }
    });
  }

  @Test
  void aLateMemberGetsTheStateBySnapshotAndThenItsShare() throws Exception {
    cluster = new ClusterHarness("A", "B", "C");
    cluster.start("A");
    cluster.start("B");
    String leader = cluster.awaitLeader(List.of("A", "B"));
    cluster.member("A").ready(SWITCHES).get(WAIT_S, TimeUnit.SECONDS);
    cluster.member("B").ready(SWITCHES).get(WAIT_S, TimeUnit.SECONDS);
    long generation = cluster.member("B").applyPolicy("policy.yaml", MastershipStateMachineTest.policyFiles("v1"))
        .get(WAIT_S, TimeUnit.SECONDS);
    assertThat(generation).isEqualTo(1);
    cluster.awaitConverged();
    cluster.member(leader).snapshot(); // the log is truncated: C can only catch up from the snapshot

    ClusterMember late = cluster.start("C");
    await("C installed the snapshot", () -> snapshotsReceived(late) > 0);
    cluster.awaitConverged();
    assertThat(late.state().view().policy()).get().extracting(PolicyContent::generation).isEqualTo(1L);
    assertThat(late.state().view().masteredBy("C")).isEmpty(); // caught up, but not ready yet: no switches
    assertThat(cluster.history.stream().filter(a -> a.member().equals("C")).map(ClusterHarness.Applied::dpid))
        .containsAll(SWITCHES); // its listeners heard the whole state

    late.ready(SWITCHES).get(WAIT_S, TimeUnit.SECONDS);
    cluster.awaitConverged();
    assertThat(late.state().view().masteredBy("C")).isNotEmpty();
  }

  @Test
  void aMinorityPartitionCannotCommitAndCatchesUpWhenHealed() throws Exception {
    startAll("A", "B", "C");
    readyAll();
    cluster.awaitConverged();
    ClusterMember a = cluster.member("A");
    ClusterMember b = cluster.member("B");
    ClusterMember c = cluster.member("C");

    partition(List.of(a, b), List.of(c));
    await("C alone in its view", () -> c.channel().view().size() == 1);
    await("A and B in theirs", () -> a.channel().view().size() == 2 && b.channel().view().size() == 2);
    String leader = cluster.awaitLeader(List.of("A", "B"));
    await("C knows no leader", () -> c.leader().isEmpty() || c.leader().get().equals("C") && !c.isLeader());

    assertThatThrownBy(() -> c.applyPolicy("policy.yaml", MastershipStateMachineTest.policyFiles("minority"))
        .get(WAIT_S, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class);
    long generation = cluster.member(leader)
        .applyPolicy("policy.yaml", MastershipStateMachineTest.policyFiles("majority")).get(WAIT_S, TimeUnit.SECONDS);
    assertThat(generation).isEqualTo(1);
    await("the majority moved C's switches", () -> a.state().view().masteredBy("C").isEmpty());
    assertThat(c.state().view().policy()).isEmpty();
    // how far each member applied the log: the leader knows it for the members in its view, C not among them
    ClusterMember lead = cluster.member(leader);
    String other = leader.equals("A") ? "B" : "A";
    await("the leader sees " + other + " applied up to its commit index", () ->
        lead.appliedByMember().getOrDefault(other, -1L) == lead.commitIndex());
    assertThat(lead.appliedByMember()).containsEntry(leader, lead.commitIndex()).doesNotContainKey("C");
    assertThat(c.appliedByMember()).containsOnlyKeys("C");
    assertThat(c.commitIndex()).isLessThan(lead.commitIndex());

    heal(List.of(a, b, c));
    await("one view again", () -> a.channel().view().size() == 3 && c.channel().view().size() == 3);
    await("C caught up and is ready again", () -> c.state().view().policy().isPresent()
        && !a.state().view().masteredBy("C").isEmpty());
    cluster.awaitConverged();
    assertThat(new String(c.state().view().policy().orElseThrow().file("desktop.rules"))).contains("majority");
    String nowLeading = cluster.awaitLeader(cluster.ids);
    ClusterMember now = cluster.member(nowLeading);
    await("the leader sees C applied up to its commit index", () ->
        now.appliedByMember().getOrDefault("C", -1L) == now.commitIndex() && c.commitIndex() == now.commitIndex());
  }

  @Test
  void aLeaderlessMajorityElectsAgainWithoutWaitingForAViewChange() throws Exception {
    startAll("A", "B", "C");
    readyAll();
    cluster.awaitConverged();
    long term = cluster.member("A").term();
    // what jgroups-raft's issue 306 leaves after a vote crosses a merge: nobody leads, no vote runs, and
    // ELECTION would start one only on the next view change
    for (ClusterMember m : cluster.running()) {
      m.channel().getProtocolStack().<RAFT>findProtocol(RAFT.class).setLeaderAndTerm(null);
    }
    assertThat(cluster.running()).allSatisfy(m -> assertThat(m.leader()).isEmpty());

    String leader = cluster.awaitLeader(cluster.ids);
    assertThat(cluster.member(leader).term()).isGreaterThan(term);
    // and the cluster commits again
    assertThat(cluster.member("B").applyPolicy("policy.yaml", MastershipStateMachineTest.policyFiles("after"))
        .get(WAIT_S, TimeUnit.SECONDS)).isEqualTo(1);
  }

  @Test
  void aMemberWhoseTermRanAheadIsLedAgainWithoutAViewChange() throws Exception {
    startAll("A", "B", "C");
    readyAll();
    cluster.awaitConverged();
    String leader = cluster.awaitLeader(cluster.ids);
    String coordinator = cluster.member("A").channel().view().getCoord().toString();
    String ahead = cluster.ids.stream().filter(id -> !id.equals(leader) && !id.equals(coordinator))
        .findFirst().orElseThrow();
    long term = cluster.member(leader).term();
    // what a healed partition left in the property test (CI, session 15): the cut-off member's votes ran
    // its term up while its view still held the others; after the merge it drops the leader's lower-term
    // messages, the leader never hears of the higher term, and ELECTION sees no reason to vote
    cluster.member(ahead).channel().getProtocolStack().<RAFT>findProtocol(RAFT.class).currentTerm(term + 5);
    assertThat(cluster.member(ahead).leader()).isEmpty();

    String now = cluster.awaitLeader(cluster.ids);
    assertThat(cluster.member(now).term()).isGreaterThan(term + 5);
    assertThat(cluster.member(ahead).applyPolicy("policy.yaml", MastershipStateMachineTest.policyFiles("after"))
        .get(WAIT_S, TimeUnit.SECONDS)).isEqualTo(1);
  }

  /**
   * Switches that reached one member first (its Ready committed before the others'): sticky, they stay
   * there; once the ready sets are quiet for the settle time the leader rebalances them, each moved
   * switch one epoch up, and a placement already at its hash stays as it is.
   */
  @Test
  void theLeaderSpreadsASwitchPlacementLeftByConnectionOrderOnceTheSwitchSetsAreQuiet() throws Exception {
    startAll("A", "B", "C");
    cluster.awaitLeader(cluster.ids);
    cluster.running().forEach(m -> m.balanceAfter(java.time.Duration.ofMillis(1_500)));
    ClusterMember a = cluster.member("A");
    a.ready(SWITCHES).get(WAIT_S, TimeUnit.SECONDS);
    cluster.member("B").ready(Set.of()).get(WAIT_S, TimeUnit.SECONDS);
    cluster.member("C").ready(Set.of()).get(WAIT_S, TimeUnit.SECONDS);
    // the switches reach B and C a moment later: an update, sticky, so A keeps every one
    cluster.member("B").ready(SWITCHES).get(WAIT_S, TimeUnit.SECONDS);
    cluster.member("C").ready(SWITCHES).get(WAIT_S, TimeUnit.SECONDS);
    Map<Long, Mastership> sticky = a.state().view().masters();
    assertThat(a.state().view().masteredBy("A")).as("right after the updates").isEqualTo(SWITCHES);

    await("the leader rebalanced", () -> a.state().view().offBalance().isEmpty());
    cluster.awaitConverged();
    Map<Long, Mastership> spread = a.state().view().masters();
    for (String id : cluster.ids) {
      assertThat(a.state().view().masteredBy(id)).as("%s masters its share", id).isNotEmpty();
    }
    spread.forEach((dpid, m) -> assertThat(m.epoch()).as("epoch of %s", dpid)
        .isEqualTo(sticky.get(dpid).epoch() + (m.master().equals(sticky.get(dpid).master()) ? 0 : 1)));
    long index = a.commitIndex();
    // an interval, not a condition: nothing more to do, so nothing more is committed
    java.util.concurrent.locks.LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(2_500));
    assertThat(a.state().view().masters()).isEqualTo(spread);
    assertThat(a.commitIndex()).as("no second rebalance").isEqualTo(index);
  }

  @Test
  void aReadyThatFailedForWantOfALeaderIsDeclaredAgain() throws Exception {
    cluster = new ClusterHarness("A", "B", "C");
    ClusterMember a = cluster.start("A");
    // alone, A has no majority and no leader: its Ready cannot be committed
    assertThatThrownBy(() -> a.ready(SWITCHES).get(WAIT_S, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class);

    cluster.start("B");
    cluster.start("C");
    cluster.awaitLeader(cluster.ids);
    // nobody calls ready again: A's own supervision does
    await("A's Ready committed", () -> SWITCHES.equals(cluster.member("B").state().view().ready().get("A")));
    await("A masters every switch (the only ready member)",
        () -> cluster.member("C").state().view().masteredBy("A").equals(SWITCHES));
  }

  @Test
  void aMemberCommittedAsLeftDeclaresItselfReadyAgainOnlyOnceItsGateOpens() throws Exception {
    startAll("A", "B", "C");
    readyAll();
    cluster.awaitConverged();
    ClusterMember a = cluster.member("A");
    ClusterMember b = cluster.member("B");
    ClusterMember c = cluster.member("C");
    java.util.concurrent.atomic.AtomicBoolean whole = new java.util.concurrent.atomic.AtomicBoolean(false);
    c.gateReady(whole::get, java.time.Duration.ofSeconds(10)); // as its replicas would be: not whole after the cut

    partition(List.of(a, b), List.of(c));
    await("the majority committed C as left", () -> !a.state().view().ready().containsKey("C"));
    heal(List.of(a, b, c));
    await("C applied its own leave", () -> !c.state().view().ready().containsKey("C")
        && c.channel().view().size() == 3);
    // an interval, not a condition: C must not declare itself for as long as its gate stays shut
    java.util.concurrent.locks.LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(4 * ClusterMember.SUPERVISION_MS));
    assertThat(b.state().view().ready()).as("C still out while its gate is shut").doesNotContainKey("C");

    whole.set(true);
    await("C ready again", () -> SWITCHES.equals(b.state().view().ready().get("C")));
  }

  private void startAll(String... ids) throws Exception {
    cluster = new ClusterHarness(ids);
    for (String id : ids) {
      cluster.start(id);
    }
    cluster.awaitLeader(cluster.ids);
  }

  private void readyAll() throws Exception {
    for (ClusterMember m : cluster.running()) {
      m.ready(SWITCHES).get(WAIT_S, TimeUnit.SECONDS);
    }
  }

  private static int snapshotsReceived(ClusterMember m) {
    try {
      Field f = RAFT.class.getDeclaredField("num_snapshot_received");
      f.setAccessible(true);
      return f.getInt(m.channel().getProtocolStack().findProtocol(RAFT.class));
    } catch (ReflectiveOperationException e) {
      throw new AssertionError(e);
    }
  }

  @SuppressWarnings("unused")
  private static Map<Long, String> names(MastershipStateMachine.View v) {
    Map<Long, String> n = new TreeMap<>();
    v.masters().forEach((d, m) -> n.put(d, m.master().orElse("")));
    return n;
  }
}
