package io.statewall.cluster;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import org.jgroups.JChannel;

/**
 * Members of one cluster in this JVM (SHARED_LOOPBACK, in-memory logs), each with a recorder of every
 * mastership change it applied. A fresh cluster name per harness keeps tests apart.
 */
public final class ClusterHarness implements AutoCloseable {
  public static final Duration TIMEOUT = Duration.ofSeconds(20);

  /** One applied change, as a member saw it. */
  record Applied(String member, long dpid, Mastership before, Mastership after) {}

  public final String clusterName = "statewall-test-" + UUID.randomUUID();
  public final List<String> ids;
  final Map<String, ClusterMember> members = new ConcurrentHashMap<>();
  final List<Applied> history = new CopyOnWriteArrayList<>();
  private final List<ClusterMember> everStarted = new CopyOnWriteArrayList<>();

  public ClusterHarness(String... ids) {
    this.ids = List.of(ids);
  }

  public ClusterMember start(String id) throws Exception {
    ClusterMember m = new ClusterMember(ClusterConfig.inJvm(clusterName, id, ids));
    m.addListener(new ClusterListener() {
      @Override
      public void mastershipChanged(long dpid, Mastership before, Mastership after) {
        history.add(new Applied(id, dpid, before, after));
      }
    });
    everStarted.add(m);
    members.put(id, m.start());
    return m;
  }

  public ClusterMember member(String id) {
    return members.get(id);
  }

  public Collection<ClusterMember> running() {
    return members.values();
  }

  /** Closes a member without a Leave: as a crash looks to the others once JGroups drops it. */
  public void crash(String id) {
    ClusterMember m = members.remove(id);
    m.close();
  }

  /** Waits until one of {@code among} is Raft leader and every one of them knows it. */
  public String awaitLeader(Collection<String> among) throws TimeoutException {
    String[] leader = new String[1];
    await("a leader among " + among, () -> {
      Optional<String> l = member(among.iterator().next()).leader();
      if (l.isEmpty() || !among.contains(l.get()) || !member(l.get()).isLeader()) {
        return false;
      }
      leader[0] = l.get();
      return among.stream().allMatch(id -> member(id).leader().equals(l));
    });
    return leader[0];
  }

  /** Waits until every running member has applied the same state. */
  public void awaitConverged() throws TimeoutException {
    await("every member applied the same state", () -> {
      List<MastershipStateMachine.View> views = new ArrayList<>();
      running().forEach(m -> views.add(m.state().view()));
      return views.stream().distinct().count() == 1;
    });
  }

  static JChannel channelOf(ClusterMember m) {
    return m.channel();
  }

  /** Polls {@code condition} every 10 ms until it holds or {@link #TIMEOUT} passes (then fails). */
  public static void await(String what, BooleanSupplier condition) throws TimeoutException {
    long deadline = System.nanoTime() + TIMEOUT.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new TimeoutException("not within " + TIMEOUT + ": " + what);
      }
      LockSupport.parkNanos(10_000_000);
    }
  }

  @Override
  public void close() {
    for (ClusterMember m : everStarted) {
      m.close();
    }
    members.clear();
  }
}
