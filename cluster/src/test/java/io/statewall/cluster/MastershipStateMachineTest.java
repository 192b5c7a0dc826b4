package io.statewall.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;

/** The state machine alone, commands applied directly (no JGroups): placement, epochs, snapshots, policy. */
class MastershipStateMachineTest {
  private static final Set<Long> SWITCHES = LongStream.rangeClosed(1, 60).boxed().collect(Collectors.toSet());

  private final MastershipStateMachine sm = new MastershipStateMachine();
  private final List<String> heard = new ArrayList<>();

  MastershipStateMachineTest() {
    sm.addListener(new ClusterListener() {
      @Override
      public void mastershipChanged(long dpid, Mastership before, Mastership after) {
        heard.add(dpid + ":" + before + "->" + after);
      }
    });
  }

  /**
   * A switch that had seen a higher generation (the cluster restarted with empty logs) refused its master:
   * the epoch moves past it for that master at that epoch only, and a member that is merely behind
   * changes nothing.
   */
  @Test
  void anEpochIsRaisedPastASwitchsGenerationOnlyForItsMasterAtTheRefusedEpoch() throws Exception {
    readyAll("a", "b", "c");
    Mastership before = sm.view().mastership(7);
    String master = before.master().orElseThrow();
    String other = List.of("a", "b", "c").stream().filter(m -> !m.equals(master)).findFirst().orElseThrow();
    heard.clear();

    apply(sm, new ClusterCommand.RaiseEpoch(other, 7, before.epoch(), 500));
    apply(sm, new ClusterCommand.RaiseEpoch(master, 7, before.epoch() - 1, 500));
    apply(sm, new ClusterCommand.RaiseEpoch(master, 7, before.epoch(), before.epoch()));
    assertThat(sm.view().mastership(7)).as("not the master, an old epoch, a switch not ahead").isEqualTo(before);
    assertThat(heard).isEmpty();

    apply(sm, new ClusterCommand.RaiseEpoch(master, 7, before.epoch(), 500));
    Mastership after = new Mastership(Optional.of(master), 501);
    assertThat(sm.view().mastership(7)).isEqualTo(after);
    assertThat(heard).containsExactly("7:" + before + "->" + after);
    apply(sm, new ClusterCommand.RaiseEpoch(master, 7, before.epoch(), 900));
    assertThat(sm.view().mastership(7)).as("the refused epoch is no longer current").isEqualTo(after);

    byte[] b = ClusterCommand.encode(new ClusterCommand.RaiseEpoch("a", 7, 3, Long.MAX_VALUE));
    assertThat(ClusterCommand.decode(b, 0, b.length)).isEqualTo(new ClusterCommand.RaiseEpoch("a", 7, 3, Long.MAX_VALUE));
    assertThatThrownBy(() -> ClusterCommand.decode(b, 0, b.length - 1)).isInstanceOf(java.io.IOException.class);
  }

  @Test
  void epochsPassASwitchsGenerationBySignedDistanceAndNeverGoNegative() {
    assertThat(MastershipStateMachine.epochAfter(1, 1_000)).isEqualTo(1_001);
    assertThat(MastershipStateMachine.epochAfter(2_000, 1_000)).as("already past it").isEqualTo(2_001);
    assertThat(MastershipStateMachine.epochAfter(1, -5)).as("a negative one is behind every small epoch").isEqualTo(2);
    assertThat(MastershipStateMachine.epochAfter(1, Long.MAX_VALUE)).as("no non-negative epoch is past it").isEqualTo(2);
    assertThat(MastershipStateMachine.epochAfter(1, Long.MAX_VALUE - 1)).isEqualTo(Long.MAX_VALUE);
  }

  @Test
  void threeReadyMembersShareTheSwitchesAndEveryOneHasOneMaster() throws Exception {
    readyAll("a", "b", "c");

    MastershipStateMachine.View v = sm.view();
    assertThat(v.masters().keySet()).isEqualTo(SWITCHES);
    v.masters().values().forEach(m -> assertThat(m.master()).get().isIn("a", "b", "c"));
    for (String member : List.of("a", "b", "c")) {
      // 60 switches over 3 members: rendezvous hashing gives each a fair share, never none
      assertThat(v.masteredBy(member)).hasSizeBetween(10, 30);
    }
  }

  @Test
  void networkPlacementGivesEverySwitchToOneMemberAndAFailoverToOneHeir() throws Exception {
    readyAll("a", "b", "c");
    assertThat(sm.view().placement()).isEmpty();
    apply(sm, new ClusterCommand.SetPlacement(Placement.NETWORK));
    MastershipStateMachine.View v = sm.view();
    assertThat(v.placement()).contains(Placement.NETWORK);
    Set<String> masters = v.masters().values().stream().map(m -> m.master().orElseThrow()).collect(Collectors.toSet());
    assertThat(masters).as("one master for the whole network").hasSize(1);
    String one = masters.iterator().next();

    apply(sm, new ClusterCommand.Leave(one));
    Map<Long, Mastership> after = new java.util.TreeMap<>(sm.view().masters());
    Set<String> heirs = after.values().stream().map(m -> m.master().orElseThrow()).collect(Collectors.toSet());
    assertThat(heirs).hasSize(1).doesNotContain(one);
    after.forEach((dpid, m) -> assertThat(m.epoch()).isGreaterThan(v.mastership(dpid).epoch()));

    // a new switch that reaches another member first still goes to the network's member once it reaches it
    String heir = heirs.iterator().next();
    String other = List.of("a", "b", "c").stream().filter(x -> !x.equals(one) && !x.equals(heir)).findFirst().orElseThrow();
    Set<Long> more = new java.util.TreeSet<>(SWITCHES);
    more.add(99L);
    apply(sm, new ClusterCommand.Ready(other, more));
    assertThat(sm.view().mastership(99).master()).contains(other);
    apply(sm, new ClusterCommand.Ready(heir, more));
    assertThat(sm.view().mastership(99).master()).contains(heir);
    after.put(99L, sm.view().mastership(99));

    // a later leader's own setting does not change it, and a snapshot carries it
    apply(sm, new ClusterCommand.SetPlacement(Placement.PER_SWITCH));
    assertThat(sm.view().placement()).contains(Placement.NETWORK);
    assertThat(sm.view().masters()).isEqualTo(after);
    MastershipStateMachine fresh = new MastershipStateMachine();
    restore(fresh, snapshot(sm));
    assertThat(fresh.view()).isEqualTo(sm.view());
    byte[] set = bytes(new ClusterCommand.SetPlacement(Placement.NETWORK));
    assertThat(ClusterCommand.decode(set, 0, set.length)).isEqualTo(new ClusterCommand.SetPlacement(Placement.NETWORK));
  }

  @Test
  void theFirstLldpKeyCommittedIsTheClustersAndASnapshotCarriesIt() throws Exception {
    List<LldpKey> heardKeys = new ArrayList<>();
    sm.addListener(new ClusterListener() {
      @Override
      public void lldpKeyCommitted(LldpKey key) {
        heardKeys.add(key);
      }
    });
    assertThat(sm.view().lldpKey()).isEmpty();
    LldpKey first = LldpKey.random();
    apply(sm, new ClusterCommand.SetLldpKey(first));
    // a later leader's key (it had not applied the first yet when it proposed its own) changes nothing
    apply(sm, new ClusterCommand.SetLldpKey(LldpKey.random()));
    assertThat(sm.view().lldpKey()).contains(first);
    assertThat(heardKeys).containsExactly(first);

    MastershipStateMachine fresh = new MastershipStateMachine();
    List<LldpKey> heardByFresh = new ArrayList<>();
    fresh.addListener(new ClusterListener() {
      @Override
      public void lldpKeyCommitted(LldpKey key) {
        heardByFresh.add(key);
      }
    });
    restore(fresh, snapshot(sm));
    assertThat(fresh.view()).isEqualTo(sm.view());
    assertThat(heardByFresh).containsExactly(first);
    byte[] set = bytes(new ClusterCommand.SetLldpKey(first));
    assertThat(ClusterCommand.decode(set, 0, set.length)).isEqualTo(new ClusterCommand.SetLldpKey(first));
    // a truncated key is refused as the entry's error, not taken short
    assertThatThrownBy(() -> ClusterCommand.decode(set, 0, set.length - 1)).isInstanceOf(java.io.IOException.class);
  }

  @Test
  void aVersion2SnapshotWrittenBeforeTheKeyExistedStillReads() throws Exception {
    readyAll("a", "b");
    apply(sm, new ClusterCommand.SetPlacement(Placement.NETWORK));
    byte[] v3 = snapshot(sm);
    // version 2 was version 3 without the key's flag at the end (written by a member of the last release)
    byte[] v2 = java.util.Arrays.copyOf(v3, v3.length - 1);
    v2[3] = 2;
    MastershipStateMachine fresh = new MastershipStateMachine();
    restore(fresh, v2);
    assertThat(fresh.view().masters()).isEqualTo(sm.view().masters());
    assertThat(fresh.view().placement()).contains(Placement.NETWORK);
    assertThat(fresh.view().lldpKey()).isEmpty();
    byte[] v9 = v3.clone();
    v9[3] = 9;
    assertThatThrownBy(() -> restore(new MastershipStateMachine(), v9)).hasMessageContaining("snapshot version 9");
  }

  @Test
  void placementIsDeterministicWhateverTheOrderMembersBecameReady() throws Exception {
    readyAll("a", "b", "c");
    MastershipStateMachine other = new MastershipStateMachine();
    for (String member : List.of("c", "a", "b")) {
      apply(other, new ClusterCommand.Ready(member, SWITCHES));
    }
    // the same masters; the epochs differ, since they count the moves each history made
    assertThat(masterNames(other)).isEqualTo(masterNames(sm));
  }

  @Test
  void aLeavingMemberHandsOnlyItsSwitchesOnWithTheirEpochIncremented() throws Exception {
    readyAll("a", "b", "c");
    Map<Long, Mastership> before = sm.view().masters();

    apply(sm, new ClusterCommand.Leave("b"));

    sm.view().masters().forEach((dpid, now) -> {
      Mastership was = before.get(dpid);
      if (was.isMaster("b")) {
        assertThat(now.master()).get().isIn("a", "c");
        assertThat(now.epoch()).isEqualTo(was.epoch() + 1);
      } else {
        assertThat(now).isEqualTo(was);
      }
    });
    assertThat(sm.view().ready()).containsOnlyKeys("a", "c");
  }

  /**
   * A departed master's connections of unknown ingress belong to none of its switches: of the heirs of its
   * switches, exactly one (the heir of its lowest datapath id) is told it is the first, on every member.
   */
  @Test
  void ofTheSwitchesALeaveMovesFromOneMasterOnlyTheLowestIsTheFirstFromIt() throws Exception {
    readyAll("a", "b", "c");
    List<Long> bs = new ArrayList<>(sm.view().masteredBy("b"));
    assertThat(bs).hasSizeGreaterThan(1);
    List<Long> first = new ArrayList<>();
    List<Long> moved = new ArrayList<>();
    sm.addListener(new ClusterListener() {
      @Override
      public void mastershipChanged(long dpid, Mastership before, Mastership after, boolean firstFromBefore) {
        if (before.isMaster("b")) {
          moved.add(dpid);
          if (firstFromBefore) {
            first.add(dpid);
          }
        }
      }
    });

    apply(sm, new ClusterCommand.Leave("b"));

    assertThat(moved).containsExactlyInAnyOrderElementsOf(bs);
    assertThat(first).containsExactly(bs.stream().min(Long::compareUnsigned).orElseThrow());
    assertThat(heard).as("the three-argument form is still told").hasSizeGreaterThanOrEqualTo(bs.size());
  }

  @Test
  void aNewReadyMemberTakesItsShareAndOnlyMovedSwitchesChangeEpoch() throws Exception {
    readyAll("a", "b");
    Map<Long, Mastership> before = sm.view().masters();

    apply(sm, new ClusterCommand.Ready("c", SWITCHES));

    assertThat(sm.view().masteredBy("c")).isNotEmpty();
    sm.view().masters().forEach((dpid, now) -> {
      Mastership was = before.get(dpid);
      if (now.isMaster("c")) {
        assertThat(now.epoch()).isEqualTo(was.epoch() + 1);
      } else {
        assertThat(now).isEqualTo(was); // rendezvous: a newcomer takes from others, they trade nothing
      }
    });
  }

  @Test
  void aMemberOnlyMastersSwitchesItReaches() throws Exception {
    apply(sm, new ClusterCommand.Ready("a", Set.of(1L, 2L)));
    apply(sm, new ClusterCommand.Ready("b", Set.of(2L, 3L)));

    assertThat(sm.view().mastership(1).master()).contains("a");
    assertThat(sm.view().mastership(3).master()).contains("b");
    assertThat(sm.view().mastership(2).master()).get().isIn("a", "b");
  }

  @Test
  void aSwitchNobodyReachesKeepsItsEpochAndComesBackHigher() throws Exception {
    apply(sm, new ClusterCommand.Ready("a", Set.of(7L)));
    assertThat(sm.view().mastership(7)).isEqualTo(new Mastership(Optional.of("a"), 1));

    apply(sm, new ClusterCommand.Ready("a", Set.of())); // the switch disconnected from a
    assertThat(sm.view().mastership(7)).isEqualTo(new Mastership(Optional.empty(), 2));

    apply(sm, new ClusterCommand.Ready("b", Set.of(7L)));
    assertThat(sm.view().mastership(7)).isEqualTo(new Mastership(Optional.of("b"), 3));
  }

  @Test
  void aSwitchSetChangeIsStickyAndRebalanceRestoresTheHashPlacement() throws Exception {
    readyAll("a", "b", "c");
    assertThat(sm.view().offBalance()).isEmpty();
    Map<Long, Mastership> balanced = sm.view().masters();
    long dpid = sm.view().masteredBy("a").iterator().next();
    Set<Long> withoutIt = new java.util.TreeSet<>(SWITCHES);
    withoutIt.remove(dpid);

    apply(sm, new ClusterCommand.Ready("a", withoutIt)); // a loses its connection to that switch
    String heir = sm.view().mastership(dpid).master().orElseThrow();
    assertThat(heir).isIn("b", "c");
    apply(sm, new ClusterCommand.Ready("a", SWITCHES)); // and gets it back: sticky, the heir keeps it
    assertThat(sm.view().mastership(dpid).master()).contains(heir);
    assertThat(sm.view().offBalance()).as("what a rebalance would move").containsExactly(dpid);

    apply(sm, new ClusterCommand.Rebalance());
    assertThat(sm.view().mastership(dpid).master()).contains("a");
    assertThat(sm.view().offBalance()).isEmpty();
    assertThat(sm.view().mastership(dpid).epoch()).isEqualTo(balanced.get(dpid).epoch() + 2);
  }

  @Test
  void anUpdateFromAMemberCommittedAsLeftIsIgnoredUntilItDeclaresItselfReadyAgain() throws Exception {
    readyAll("a", "b", "c");
    long dpid = sm.view().masteredBy("a").iterator().next();
    apply(sm, new ClusterCommand.Leave("a")); // the leader saw a gone (paused): its switches move
    Mastership heir = sm.view().mastership(dpid);
    assertThat(heir.master()).get().isIn("b", "c");

    // a resumes, still believing it is ready: its switch connection came back, so it sends an update,
    // which must not place it before it has applied its own leave (it would take switches it cannot serve)
    apply(sm, new ClusterCommand.Ready("a", SWITCHES, false));
    assertThat(sm.view().ready()).doesNotContainKey("a");
    assertThat(sm.view().mastership(dpid)).isEqualTo(heir);
    assertThat(sm.view().masteredBy("a")).isEmpty();

    // once it applied its leave it declares itself ready anew, and takes its share at a newer epoch
    apply(sm, new ClusterCommand.Ready("a", SWITCHES, true));
    assertThat(sm.view().ready()).containsKey("a");
    assertThat(sm.view().mastership(dpid).master()).contains("a");
    assertThat(sm.view().mastership(dpid).epoch()).isEqualTo(heir.epoch() + 1);
    // and an update from a ready member stays what it was: sticky
    apply(sm, new ClusterCommand.Ready("a", SWITCHES, false));
    assertThat(sm.view().mastership(dpid).epoch()).isEqualTo(heir.epoch() + 1);
  }

  @Test
  void aReadyEntryWrittenBeforeTheJoiningFlagDecodesAsJoining() throws Exception {
    ByteArrayOutputStream old = new ByteArrayOutputStream();
    try (DataOutputStream out = new DataOutputStream(old)) {
      out.writeByte(ClusterCommand.READY);
      out.writeUTF("a");
      ClusterCommand.writeDpids(out, Set.of(1L, 2L));
    }
    byte[] b = old.toByteArray();
    assertThat(ClusterCommand.decode(b, 0, b.length)).isEqualTo(new ClusterCommand.Ready("a", Set.of(1L, 2L), true));
  }

  @Test
  void epochsNeverGoBackOverAnySequenceOfCommands() throws Exception {
    java.util.Random random = new java.util.Random(20);
    Map<Long, Long> highest = new TreeMap<>();
    sm.addListener(new ClusterListener() {
      @Override
      public void mastershipChanged(long dpid, Mastership before, Mastership after) {
        assertThat(after.epoch()).isGreaterThan(highest.getOrDefault(dpid, 0L));
        highest.put(dpid, after.epoch());
      }
    });
    List<String> members = List.of("a", "b", "c", "d");
    for (int i = 0; i < 500; i++) {
      String m = members.get(random.nextInt(members.size()));
      switch (random.nextInt(4)) {
        case 0 -> apply(sm, new ClusterCommand.Leave(m));
        case 1 -> apply(sm, new ClusterCommand.Rebalance());
        default -> apply(sm, new ClusterCommand.Ready(m,
            LongStream.rangeClosed(1, 10).filter(d -> random.nextBoolean()).boxed().collect(Collectors.toSet())));
      }
      // at every step each switch has at most one master, and it is a ready member that reaches it
      MastershipStateMachine.View v = sm.view();
      v.masters().forEach((dpid, ms) -> ms.master().ifPresent(master ->
          assertThat(v.ready().get(master)).as("master %s of %s", master, dpid).contains(dpid)));
    }
  }

  @Test
  void aSnapshotCarriesTheWholeStateAndTellsTheListenersOfANewMember() throws Exception {
    readyAll("a", "b", "c");
    apply(sm, new ClusterCommand.ApplyPolicy("policy.yaml", policyFiles("v1")));

    MastershipStateMachine fresh = new MastershipStateMachine();
    List<Long> told = new ArrayList<>();
    List<PolicyContent> policies = new ArrayList<>();
    fresh.addListener(new ClusterListener() {
      @Override
      public void mastershipChanged(long dpid, Mastership before, Mastership after) {
        told.add(dpid);
      }

      @Override
      public void policyCommitted(PolicyContent policy) {
        policies.add(policy);
      }
    });
    restore(fresh, snapshot(sm));

    assertThat(fresh.view()).isEqualTo(sm.view());
    assertThat(told).containsExactlyInAnyOrderElementsOf(SWITCHES);
    assertThat(policies).singleElement().isEqualTo(sm.view().policy().orElseThrow());
  }

  @Test
  void aSeedIsTakenOnlyByAClusterWithoutAPolicyAndAnswersTheGenerationInForce() throws Exception {
    byte[] seed = bytes(new ClusterCommand.ApplyPolicy("policy.yaml", policyFiles("seed of A"), true));
    assertThat(MastershipStateMachine.generationOf(sm.apply(seed, 0, seed.length, true))).isEqualTo(1);
    apply(sm, new ClusterCommand.ApplyPolicy("policy.yaml", policyFiles("applied"))); // generation 2

    // a leader elected before it had applied generation 2 seeds its own file: the cluster keeps 2
    byte[] late = bytes(new ClusterCommand.ApplyPolicy("policy.yaml", policyFiles("seed of B"), true));
    assertThat(MastershipStateMachine.generationOf(sm.apply(late, 0, late.length, true))).isEqualTo(2);
    PolicyContent now = sm.view().policy().orElseThrow();
    assertThat(now.generation()).isEqualTo(2);
    assertThat(new String(now.file("desktop.rules"), StandardCharsets.UTF_8)).contains("applied");
    assertThat(ClusterCommand.decode(late, 0, late.length)).isInstanceOfSatisfying(ClusterCommand.ApplyPolicy.class,
        p -> assertThat(p.seed()).isTrue());
  }

  @Test
  void policiesGetIncreasingGenerationsAndKeepTheirBytes() throws Exception {
    byte[] first = sm.apply(bytes(new ClusterCommand.ApplyPolicy("policy.yaml", policyFiles("v1"))), 0,
        bytes(new ClusterCommand.ApplyPolicy("policy.yaml", policyFiles("v1"))).length, true);
    apply(sm, new ClusterCommand.ApplyPolicy("policy.yaml", policyFiles("v2")));

    assertThat(MastershipStateMachine.generationOf(first)).isEqualTo(1);
    PolicyContent now = sm.view().policy().orElseThrow();
    assertThat(now.generation()).isEqualTo(2);
    assertThat(now.fileNames()).containsExactly("desktop.rules", "policy.yaml");
    assertThat(new String(now.file("desktop.rules"), StandardCharsets.UTF_8)).contains("v2");
  }

  @Test
  void aPolicyWithoutItsYamlIsRefusedAndChangesNothing() {
    assertThatThrownBy(() -> apply(sm, new ClusterCommand.ApplyPolicy("missing.yaml", policyFiles("v1"))))
        .isInstanceOf(IllegalArgumentException.class);
    assertThat(sm.view().policy()).isEmpty();
  }

  @Test
  void commandsSurviveTheirEncoding() throws Exception {
    List<ClusterCommand> commands = List.of(new ClusterCommand.Ready("a", Set.of(1L, -1L, Long.MAX_VALUE)),
        new ClusterCommand.Ready("b", Set.of(3L), false),
        new ClusterCommand.Leave("ä"), new ClusterCommand.Rebalance());
    for (ClusterCommand c : commands) {
      byte[] b = ClusterCommand.encode(c);
      assertThat(ClusterCommand.decode(b, 0, b.length)).isEqualTo(c);
    }
  }

  static Map<String, byte[]> policyFiles(String version) {
    return Map.of("policy.yaml", "hosts:\n  - address: 10.0.0.1\n    rules: desktop.rules\n".getBytes(StandardCharsets.UTF_8),
        "desktop.rules", ("# " + version + "\n*filter\n:INPUT DROP [0:0]\nCOMMIT\n").getBytes(StandardCharsets.UTF_8));
  }

  private void readyAll(String... members) throws Exception {
    for (String m : members) {
      apply(sm, new ClusterCommand.Ready(m, SWITCHES));
    }
  }

  private static Map<Long, String> masterNames(MastershipStateMachine m) {
    Map<Long, String> names = new TreeMap<>();
    m.view().masters().forEach((dpid, ms) -> names.put(dpid, ms.master().orElse("")));
    return names;
  }

  private static byte[] bytes(ClusterCommand c) {
    return ClusterCommand.encode(c);
  }

  static void apply(MastershipStateMachine m, ClusterCommand c) throws Exception {
    byte[] b = ClusterCommand.encode(c);
    m.apply(b, 0, b.length, false);
  }

  private static byte[] snapshot(MastershipStateMachine m) throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    m.writeContentTo(new DataOutputStream(out));
    return out.toByteArray();
  }

  private static void restore(MastershipStateMachine m, byte[] snapshot) throws Exception {
    m.readContentFrom(new DataInputStream(new ByteArrayInputStream(snapshot)));
  }
}
