package io.statewall.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.statewall.controller.app.AppContext;
import io.statewall.controller.app.MessageListener;
import io.statewall.controller.app.SwitchListener;
import io.statewall.controller.switches.SwitchRegistry;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.projectfloodlight.openflow.protocol.OFMessage;

/** A member that must earn its readiness: nothing before {@code allow}, a Leave on {@code withhold}. */
class SwitchReadinessTest {
  private final ClusterHarness cluster = new ClusterHarness("A", "B", "C");
  private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();

  @AfterEach
  void stop() {
    scheduler.shutdownNow();
    cluster.close();
  }

  private AppContext context() {
    return new AppContext() {
      @Override
      public <T extends OFMessage> void addMessageListener(Class<T> type, int order, MessageListener<T> listener) {}

      @Override
      public void addSwitchListener(int order, SwitchListener listener) {}

      @Override
      public SwitchRegistry switches() {
        throw new UnsupportedOperationException();
      }

      @Override
      public ScheduledExecutorService scheduler() {
        return scheduler;
      }
    };
  }

  /**
   * Switches that reach A first, then B, then C (the order an emulated switch connects to its controllers,
   * or whichever member's Ready the leader commits first): each still goes to its rendezvous winner,
   * because the others hold it back for {@link SwitchReadiness#DEFER_MS} (the leader's own rebalance is
   * off here, so it is not what spreads them).
   */
  @Test
  void switchesReachingOneMemberFirstAreStillPlacedByTheHash() throws Exception {
    List<String> ids = List.of("A", "B", "C");
    Map<String, SwitchReadiness> readiness = new java.util.TreeMap<>();
    for (String id : ids) {
      cluster.start(id).balanceAfter(java.time.Duration.ZERO);
    }
    cluster.awaitLeader(ids);
    for (String id : ids) {
      SwitchReadiness r = new SwitchReadiness(cluster.member(id));
      r.start(context());
      readiness.put(id, r);
    }
    ClusterHarness.await("all three ready, as each sees it", () -> ids.stream()
        .allMatch(id -> cluster.member(id).state().view().ready().size() == 3));
    Set<Long> dpids = new java.util.TreeSet<>();
    Set<Long> notC = new java.util.TreeSet<>();
    for (long dpid = 1; dpid <= 40; dpid++) {
      (dpid <= 30 ? dpids : notC).add(dpid);
      for (String id : dpid <= 30 ? ids : List.of("A", "B")) { // 31 to 40 do not reach C: the next in line gets each
        readiness.get(id).changed(dpid, true);
      }
    }
    Set<Long> all = new java.util.TreeSet<>(dpids);
    all.addAll(notC);
    ClusterHarness.await("every member declared its switches", () -> cluster.member("A").state().view().ready()
        .equals(Map.of("A", all, "B", all, "C", dpids)));
    MastershipStateMachine.View v = cluster.member("A").state().view();
    assertThat(v.offBalance()).as("switches off their rendezvous winner").isEmpty();
    for (String id : ids) {
      assertThat(v.masteredBy(id)).as("%s's share", id).isNotEmpty();
    }
    assertThat(v.masters().values()).as("each placed once").allSatisfy(m -> assertThat(m.epoch()).isEqualTo(1));
  }

  @Test
  void aMemberNotYetAllowedDeclaresNothingAndWithholdingCommitsItsLeave() throws Exception {
    for (String id : List.of("A", "B", "C")) {
      cluster.start(id);
    }
    cluster.awaitLeader(List.of("A", "B", "C"));
    SwitchReadiness b = new SwitchReadiness(cluster.member("B"), false);
    b.start(context());
    new SwitchReadiness(cluster.member("A")).start(context());
    ClusterHarness.await("A ready", () -> cluster.member("C").state().view().ready().containsKey("A"));
    assertThat(cluster.member("C").state().view().ready()).doesNotContainKey("B");
    assertThat(b.allowed()).isFalse();

    b.allow();
    ClusterHarness.await("B ready once allowed", () -> cluster.member("C").state().view().ready().containsKey("B"));

    b.withhold();
    ClusterHarness.await("B gone once withheld", () -> !cluster.member("C").state().view().ready().containsKey("B"));
    assertThat(cluster.member("C").state().view().ready()).containsKey("A");

    b.allow();
    ClusterHarness.await("B ready again", () -> cluster.member("C").state().view().ready().containsKey("B"));
  }
}
