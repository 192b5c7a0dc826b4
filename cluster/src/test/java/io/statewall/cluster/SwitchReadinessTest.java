package io.statewall.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.statewall.controller.app.AppContext;
import io.statewall.controller.app.MessageListener;
import io.statewall.controller.app.SwitchListener;
import io.statewall.controller.switches.SwitchRegistry;
import java.util.List;
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
