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
import java.util.function.Supplier;
import org.jgroups.Address;
import org.jgroups.JChannel;
import org.jgroups.protocols.DISCARD;
import org.jgroups.protocols.SHARED_LOOPBACK;
import org.jgroups.stack.ProtocolStack;

/**
 * Members of one cluster in this JVM (SHARED_LOOPBACK, in-memory logs), each with a recorder of every
 * mastership change it applied. A fresh cluster name per harness keeps tests apart.
 */
public final class ClusterHarness implements AutoCloseable {
  public static final Duration TIMEOUT = Duration.ofSeconds(20);

  /**
   * One applied change, as a member saw it; {@code incarnation} counts the starts of that member id (a
   * restarted member applies the log again from the beginning).
   */
  record Applied(String member, int incarnation, long dpid, Mastership before, Mastership after) {
    /** One run of one member: its history's epochs only grow. */
    String run() {
      return member + "#" + incarnation;
    }
  }

  public final String clusterName = "statewall-test-" + UUID.randomUUID();
  public final List<String> ids;
  final Map<String, ClusterMember> members = new ConcurrentHashMap<>();
  final List<Applied> history = new CopyOnWriteArrayList<>();
  private final List<ClusterMember> everStarted = new CopyOnWriteArrayList<>();
  private final Map<String, Integer> starts = new ConcurrentHashMap<>();

  public ClusterHarness(String... ids) {
    this.ids = List.of(ids);
  }

  public ClusterMember start(String id) throws Exception {
    ClusterMember m = new ClusterMember(ClusterConfig.inJvm(clusterName, id, ids));
    int incarnation = starts.merge(id, 1, Integer::sum);
    m.addListener(new ClusterListener() {
      @Override
      public void mastershipChanged(long dpid, Mastership before, Mastership after) {
        history.add(new Applied(id, incarnation, dpid, before, after));
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
    await(() -> "a leader among " + among + ": " + describe(among), () -> {
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

  /** Drops every message between the two sides; failure detection then splits the view. */
  static void partition(Collection<ClusterMember> left, Collection<ClusterMember> right) throws Exception {
    partitionChannels(left.stream().map(ClusterMember::channel).toList(),
        right.stream().map(ClusterMember::channel).toList());
  }

  /** Lets every message through again; MERGE3 then joins the views. */
  static void heal(Collection<ClusterMember> all) throws Exception {
    healChannels(all.stream().map(ClusterMember::channel).toList());
  }

  /** As {@link #partition}, for any channels on SHARED_LOOPBACK (a replicator's too). */
  public static void partitionChannels(Collection<JChannel> left, Collection<JChannel> right) throws Exception {
    for (JChannel ch : left) {
      discard(ch).addIgnoredMembers(right.stream().map(JChannel::address).toArray(Address[]::new));
    }
    for (JChannel ch : right) {
      discard(ch).addIgnoredMembers(left.stream().map(JChannel::address).toArray(Address[]::new));
    }
  }

  public static void healChannels(Collection<JChannel> all) throws Exception {
    for (JChannel ch : all) {
      discard(ch).resetIgnoredMembers();
    }
  }

  private static DISCARD discard(JChannel ch) throws Exception {
    ProtocolStack stack = ch.getProtocolStack();
    DISCARD d = stack.findProtocol(DISCARD.class);
    if (d == null) {
      d = new DISCARD();
      stack.insertProtocol(d, ProtocolStack.Position.ABOVE, SHARED_LOOPBACK.class);
      d.init();
      d.start();
    }
    return d;
  }

  /** What each member thinks of the Raft leader, its term and its view: for a failure's message. */
  String describe(Collection<String> ids) {
    StringBuilder b = new StringBuilder();
    for (String id : ids) {
      ClusterMember m = member(id);
      b.append(id).append(" leader=").append(m.leader().orElse("none")).append(m.isLeader() ? " (itself)" : "")
          .append(" term=").append(m.term()).append(" view=").append(m.channel().view()).append("; ");
    }
    return b.toString();
  }

  /** Polls {@code condition} every 10 ms until it holds or {@link #TIMEOUT} passes (then fails). */
  public static void await(String what, BooleanSupplier condition) throws TimeoutException {
    await(() -> what, condition);
  }

  /** As {@link #await(String, BooleanSupplier)}, with the message made when it fails (the state then). */
  public static void await(Supplier<String> what, BooleanSupplier condition) throws TimeoutException {
    long deadline = System.nanoTime() + TIMEOUT.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new TimeoutException("not within " + TIMEOUT + ": " + what.get());
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
