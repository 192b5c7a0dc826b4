package io.statewall.cluster;

import static io.statewall.cluster.ClusterHarness.await;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Random kills, pauses and resumptions, restarts, leader kills and pauses, and new switches over three
 * members in one JVM. A pause cuts the member off as {@link ClusterHarness#partition} does (every message
 * to and from it dropped), standing in for SIGSTOP: the member goes on running and applying, but hears
 * nothing. After each step, once a majority is connected and the cluster is quiet: one master per switch
 * per epoch across every member's applied history, epochs that only grow on every member, one master per
 * reachable switch agreed by the majority, and a paused member that never shows a newer epoch than the
 * majority's.
 *
 * <p>At most one member is dead at a time, and a kill needs a quiet majority: the logs are in memory,
 * so a killed member comes back empty, and Raft's safety needs the others to hold what it had committed. A
 * step that does not apply (a restart with nobody dead, a second kill) is skipped and shown so in the
 * trace. Two members down at once (one dead, one paused, or two paused) leave no majority: then only the
 * history is checked, and the rest once a majority is back.
 */
class MastershipPropertyTest {
  private static final Logger LOG = LoggerFactory.getLogger(MastershipPropertyTest.class);
  private static final List<String> IDS = List.of("A", "B", "C");
  private static final int INITIAL_SWITCHES = 9;

  /** One step of a run; its toString is what a shrunk counterexample reads as. */
  sealed interface Step permits Kill, Pause, Resume, Restart, KillLeader, PauseLeader, AddSwitches {}

  /** Closes a member abruptly, without a Leave: a crash. */
  record Kill(String member) implements Step {
    @Override
    public String toString() {
      return "kill " + member;
    }
  }

  /** Cuts a member off from the others (SIGSTOP, emulated). */
  record Pause(String member) implements Step {
    @Override
    public String toString() {
      return "pause " + member;
    }
  }

  /** Lets the paused members talk again (SIGCONT, emulated). */
  record Resume() implements Step {
    @Override
    public String toString() {
      return "resume";
    }
  }

  /** The killed member's id starts again (a new process, empty log) and declares its switches ready. */
  record Restart() implements Step {
    @Override
    public String toString() {
      return "restart";
    }
  }

  record KillLeader() implements Step {
    @Override
    public String toString() {
      return "kill the leader";
    }
  }

  /** Cuts the Raft leader off: the majority elects another one, the old one steps down. */
  record PauseLeader() implements Step {
    @Override
    public String toString() {
      return "pause the leader";
    }
  }

  /** {@code count} new switches, reached by the members in {@code reachedBy} (those connected now). */
  record AddSwitches(int count, Set<String> reachedBy) implements Step {
    @Override
    public String toString() {
      return "add " + count + " switches reached by " + String.join("", new TreeSet<>(reachedBy));
    }
  }

  @Provide
  Arbitrary<List<Step>> steps() {
    Arbitrary<String> member = Arbitraries.of(IDS);
    Arbitrary<Step> step = Arbitraries.frequencyOf(
        Tuple.of(2, member.map(Kill::new)),
        Tuple.of(2, member.map(Pause::new)),
        Tuple.of(3, Arbitraries.just(new Resume())),
        Tuple.of(3, Arbitraries.just(new Restart())),
        Tuple.of(1, Arbitraries.just(new KillLeader())),
        Tuple.of(1, Arbitraries.just(new PauseLeader())),
        Tuple.of(2, Combinators.combine(Arbitraries.integers().between(1, 4),
            member.set().ofMinSize(1).ofMaxSize(3)).as(AddSwitches::new)));
    return step.list().ofMinSize(6).ofMaxSize(12);
  }

  @Property(tries = 3)
  void oneMasterPerSwitchAndEpochThroughKillsPausesAndRestarts(@ForAll("steps") List<Step> steps)
      throws Exception {
    try (Run run = new Run()) {
      run.begin();
      for (Step step : steps) {
        run.apply(step);
        run.check();
      }
      LOG.info("property try passed: {}", run.trace);
    }
  }

  /** One try: the cluster, who is dead or paused, and which switches each member reaches. */
  static final class Run implements AutoCloseable {
    final ClusterHarness cluster = new ClusterHarness(IDS.toArray(String[]::new));
    final Set<String> dead = new TreeSet<>();
    final Set<String> paused = new TreeSet<>();
    final Map<String, Set<Long>> reach = new TreeMap<>();
    /** Members whose switch set changed and is not committed yet (a majority is needed). */
    final Set<String> undeclared = new TreeSet<>();
    final List<String> trace = new ArrayList<>();
    long nextDpid = 1;
    String chosen;

    void begin() throws Exception {
      Set<Long> initial = new TreeSet<>();
      for (int i = 0; i < INITIAL_SWITCHES; i++) {
        initial.add(nextDpid++);
      }
      for (String id : IDS) {
        cluster.start(id);
        reach.put(id, new TreeSet<>(initial));
        undeclared.add(id);
      }
      cluster.awaitLeader(IDS);
      trace.add("ABC ready with switches 1-" + INITIAL_SWITCHES);
      check();
    }

    Set<String> connected() {
      Set<String> c = new TreeSet<>(IDS);
      c.removeAll(dead);
      c.removeAll(paused);
      return c;
    }

    boolean hasMajority() {
      return connected().size() * 2 > IDS.size();
    }

    void apply(Step step) throws Exception {
      boolean applied;
      if (step instanceof Kill k) {
        applied = dead.isEmpty() && hasMajority() && kill(k.member());
      } else if (step instanceof Pause p) {
        applied = connected().contains(p.member()) && pause(p.member());
      } else if (step instanceof Resume) {
        applied = !paused.isEmpty() && resume();
      } else if (step instanceof Restart) {
        applied = !dead.isEmpty() && restart(dead.iterator().next());
      } else if (step instanceof KillLeader) {
        applied = dead.isEmpty() && hasMajority() && kill(cluster.awaitLeader(connected()));
      } else if (step instanceof PauseLeader) {
        applied = hasMajority() && pause(cluster.awaitLeader(connected()));
      } else {
        applied = addSwitches((AddSwitches) step);
      }
      trace.add(!applied ? step + " (skipped)" : step instanceof KillLeader || step instanceof PauseLeader
          ? step + " (" + chosen + ")" : step.toString());
    }

    boolean kill(String id) {
      chosen = id;
      cluster.crash(id);
      dead.add(id);
      paused.remove(id);
      return true;
    }

    boolean pause(String id) throws Exception {
      chosen = id;
      ClusterHarness.partition(List.of(cluster.member(id)), others(id));
      paused.add(id);
      return true;
    }

    private List<ClusterMember> others(String id) {
      List<ClusterMember> others = new ArrayList<>();
      cluster.running().stream().filter(o -> !o.id().equals(id)).forEach(others::add);
      return others;
    }

    boolean resume() throws Exception {
      ClusterHarness.heal(cluster.running());
      paused.clear();
      // the majority committed their leave; a resumed member sees that and declares ready again itself
      await("one view of " + connected() + " again after " + trace, () -> connected().stream()
          .allMatch(id -> cluster.member(id).channel().view().size() == connected().size()));
      return true;
    }

    boolean restart(String id) throws Exception {
      ClusterMember m = cluster.start(id);
      dead.remove(id);
      for (String p : paused) { // a new address: the paused ones must not hear it either
        ClusterHarness.partition(List.of(cluster.member(p)), List.of(m));
      }
      undeclared.add(id);
      return true;
    }

    boolean addSwitches(AddSwitches a) {
      Set<String> to = new TreeSet<>(a.reachedBy());
      to.retainAll(connected());
      if (to.isEmpty()) {
        return false;
      }
      for (int i = 0; i < a.count(); i++) {
        long dpid = nextDpid++;
        to.forEach(id -> reach.get(id).add(dpid));
      }
      undeclared.addAll(to);
      return true;
    }

    /** Commits {@code id}'s switch set, as SwitchReadiness would: again until a leader takes it. */
    void declareReady(String id) throws Exception {
      ClusterMember m = cluster.member(id);
      Set<Long> mine = Set.copyOf(reach.get(id));
      await(id + " declared ready with " + mine + " after " + trace, () -> {
        if (m.leader().isEmpty()) {
          return false;
        }
        try {
          m.ready(mine).get(ClusterHarness.TIMEOUT.toSeconds(), TimeUnit.SECONDS);
          return true;
        } catch (Exception e) {
          return false;
        }
      });
    }

    /** Once the connected majority is quiet: the four properties. */
    void check() throws Exception {
      assertOneMasterPerEpochAndGrowingEpochs();
      if (!hasMajority()) {
        return;
      }
      Set<String> majority = connected();
      cluster.awaitLeader(majority);
      for (String id : majority) {
        if (undeclared.remove(id)) {
          declareReady(id);
        }
      }
      awaitQuiet(majority);
      MastershipStateMachine.View agreed = cluster.member(majority.iterator().next()).state().view();
      String at = " after " + trace;
      for (String id : majority) {
        assertThat(cluster.member(id).state().view().masters()).as("%s's masters%s", id, at)
            .isEqualTo(agreed.masters());
      }
      Map<Long, Set<String>> reachedBy = new TreeMap<>();
      majority.forEach(id -> reach.get(id).forEach(d -> reachedBy.computeIfAbsent(d, k -> new TreeSet<>()).add(id)));
      reachedBy.forEach((dpid, by) -> assertThat(agreed.mastership(dpid).master())
          .as("master of %s (reached by %s)%s", dpid, by, at).isPresent().get().isIn(by));
      agreed.masters().forEach((dpid, m) -> {
        if (!reachedBy.containsKey(dpid)) {
          assertThat(m.master()).as("master of %s, reached by no one connected%s", dpid, at).isEmpty();
        }
      });
      for (String id : paused) {
        cluster.member(id).state().view().masters().forEach((dpid, mine) -> {
          Mastership theirs = agreed.mastership(dpid);
          assertThat(mine.epoch()).as("paused %s's epoch of %s (%s) against the majority's %s%s", id, dpid,
              mine, theirs, at).isLessThanOrEqualTo(theirs.epoch());
          if (mine.epoch() == theirs.epoch()) {
            assertThat(mine).as("paused %s's master of %s%s", id, dpid, at).isEqualTo(theirs);
          }
        });
      }
    }

    /**
     * Quiet: one leader among the majority, known by all of them; every one applied the same state, whose
     * ready members are exactly the majority with the switches each reaches (the absent ones committed as
     * left, the resumed and restarted ones ready again).
     */
    void awaitQuiet(Set<String> majority) throws Exception {
      await("the majority " + majority + " quiet after " + trace, () -> {
        Set<MastershipStateMachine.View> views = new LinkedHashSet<>();
        majority.forEach(id -> views.add(cluster.member(id).state().view()));
        if (views.size() != 1) {
          return false;
        }
        Map<String, Set<Long>> expected = new HashMap<>();
        majority.forEach(id -> expected.put(id, reach.get(id)));
        return new HashMap<>(views.iterator().next().ready()).equals(expected);
      });
    }

    /** (a) and (b) over everything applied so far, by every run of every member. */
    void assertOneMasterPerEpochAndGrowingEpochs() {
      Map<String, String> masterOfEpoch = new HashMap<>();
      Map<String, Long> lastEpoch = new HashMap<>();
      for (ClusterHarness.Applied a : cluster.history) {
        String key = a.dpid() + "@" + a.after().epoch();
        String master = a.after().master().orElse("(none)");
        String earlier = masterOfEpoch.putIfAbsent(key, master);
        assertThat(master).as("master of switch %s on %s after %s", key, a.run(), trace)
            .isEqualTo(earlier == null ? master : earlier);
        Long last = lastEpoch.put(a.run() + "/" + a.dpid(), a.after().epoch());
        if (last != null) {
          assertThat(a.after().epoch()).as("epoch of switch %s on %s after %s", a.dpid(), a.run(), trace)
              .isGreaterThan(last);
        }
      }
    }

    @Override
    public void close() {
      cluster.close();
    }
  }
}
