package io.statewall.cluster.replication;

import io.statewall.cluster.ClusterHarness;
import static io.statewall.cluster.ClusterHarness.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.statewall.netfilter.conntrack.CtTuple;
import io.statewall.netfilter.conntrack.TcpFlow;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A joining member's catch-up ({@link ConntrackReplicator#caughtUp()}): it holds every owner's whole
 * table at the moment it says so, and not before every owner's table has arrived.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class CatchUpTest {
  private final List<ReplicationNode> nodes = new ArrayList<>();

  @AfterEach
  void tearDown() {
    nodes.forEach(ReplicationNode::close);
  }

  private ReplicationNode start(String id, String cluster) throws Exception {
    ReplicationNode n = new ReplicationNode(id, cluster);
    nodes.add(n);
    return n.start();
  }

  @Test
  void aMemberAloneIsCaughtUpOnceItJoined() throws Exception {
    ReplicationNode a = start("A", "statewall-catchup-" + System.nanoTime());
    await("A caught up", a.replicator::caughtUp);
    assertThat(a.replicator.whenCaughtUp()).isDone();
  }

  @Test
  void aJoiningMemberIsCaughtUpOnlyWhenItHoldsEveryOwnersWholeTable() throws Exception {
    String name = "statewall-catchup-" + System.nanoTime();
    ReplicationNode a = start("A", name);
    ReplicationNode b = start("B", name);
    await("A and B see each other", () -> a.replicator.viewSize() == 2 && b.replicator.viewSize() == 2);
    for (int i = 0; i < 600; i++) { // a reset of several batches
      a.established(new TcpFlow("10.0.1." + (1 + i % 200), 40000 + i, "10.0.2.1", 80));
    }
    for (int i = 0; i < 10; i++) {
      b.established(new TcpFlow("10.0.3." + (1 + i), 40000, "10.0.2.1", 80));
    }
    await("B caught up with A", b.replicator::caughtUp);
    Map<CtTuple, String> ofA = a.liveState();
    Map<CtTuple, String> ofB = b.liveState();

    ReplicationNode c = new ReplicationNode("C", name);
    nodes.add(c);
    // what C holds at the very moment it is caught up (on the thread that completes it)
    AtomicInteger heldOfA = new AtomicInteger(-1);
    AtomicInteger heldOfB = new AtomicInteger(-1);
    c.replicator.whenCaughtUp().thenRun(() -> {
      heldOfA.set(c.replicator.replicasOf("A").size());
      heldOfB.set(c.replicator.replicasOf("B").size());
    });
    c.start();
    await("C caught up", c.replicator::caughtUp);
    await("the catch-up seen", () -> heldOfA.get() >= 0);
    assertThat(heldOfA.get()).isEqualTo(ofA.size()).isEqualTo(600);
    assertThat(heldOfB.get()).isEqualTo(ofB.size()).isEqualTo(10);
    assertThat(c.replicaState("A")).isEqualTo(ofA);
  }

  @Test
  void aJoiningMemberIsNotCaughtUpWhileOneOwnersTableIsMissingAndAsksForItAgain() throws Exception {
    String name = "statewall-catchup-" + System.nanoTime();
    ReplicationNode a = start("A", name);
    ReplicationNode b = start("B", name);
    await("A and B see each other", () -> a.replicator.viewSize() == 2 && b.replicator.viewSize() == 2);
    a.established(new TcpFlow("10.0.1.1", 40000, "10.0.2.1", 80));
    b.established(new TcpFlow("10.0.3.1", 40000, "10.0.2.1", 80));
    await("A and B caught up", () -> a.replicator.caughtUp() && b.replicator.caughtUp());
    a.replicator.flush();
    a.replicator.awaitQueuedWork();
    // A's reset for the newcomer, and the two C asks for a second apart: numbered, never sent
    a.replicator.loseNextBatches(3);

    ReplicationNode c = start("C", name);
    await("C holds B's table", () -> c.replicator.viewSize() == 3 && c.replicaState("B").equals(b.liveState()));
    a.replicator.awaitQueuedWork(); // the reset C's join brought (lost)
    b.replicator.awaitQueuedWork();
    assertThat(c.replicator.caughtUp()).as("caught up without A's table").isFalse();
    assertThat(c.replicaState("A")).isEmpty();

    long resets = a.replicator.metrics().resetsSent();
    // nobody calls resync: C asks A for its whole table once a second until it has it
    await("C caught up", c.replicator::caughtUp);
    assertThat(c.replicaState("A")).isEqualTo(a.liveState());
    assertThat(a.replicator.metrics().resetsSent()).isGreaterThan(resets);
    assertThat(c.replicator.metrics().resendRequests()).isGreaterThanOrEqualTo(3);
  }

  @Test
  void aMemberCutOffIsWholeAgainOnlyOnceTheOwnerItLostSightOfSentItsWholeTable() throws Exception {
    String name = "statewall-catchup-" + System.nanoTime();
    ReplicationNode a = start("A", name);
    ReplicationNode b = start("B", name);
    await("A and B caught up", () -> a.replicator.caughtUp() && b.replicator.caughtUp()
        && a.replicator.viewSize() == 2 && b.replicator.viewSize() == 2);
    assertThat(b.replicator.caughtUpSinceAbsences()).isTrue();

    ClusterHarness.partitionChannels(List.of(a.replicator.channel()), List.of(b.replicator.channel()));
    await("cut off", () -> a.replicator.viewSize() == 1 && b.replicator.viewSize() == 1);
    for (int i = 0; i < 5; i++) {
      a.established(new TcpFlow("10.0.1." + (1 + i), 40000, "10.0.2.1", 80)); // B misses these
    }
    a.replicator.flush();
    a.replicator.awaitQueuedWork();
    // A's reset for the merge and its answer to B's first ask, a second later: numbered, never sent
    a.replicator.loseNextBatches(2);
    ClusterHarness.healChannels(List.of(a.replicator.channel(), b.replicator.channel()));
    await("one view again", () -> a.replicator.viewSize() == 2 && b.replicator.viewSize() == 2);
    a.replicator.awaitQueuedWork();
    assertThat(b.replicator.caughtUpSinceAbsences()).as("without A's table since the cut").isFalse();

    await("B whole again", b.replicator::caughtUpSinceAbsences);
    assertThat(b.replicaState("A")).isEqualTo(a.liveState()).hasSize(5);
  }
}
