package io.statewall.apps.main;

import static io.statewall.apps.main.ClusterTestMembers.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.statewall.apps.main.LoadSwitch.MasterTaken;
import io.statewall.apps.main.LoadSwitch.Segment;
import io.statewall.apps.main.ClusterTestMembers.Member;
import io.statewall.cluster.Mastership;
import io.statewall.cluster.Rendezvous;
import io.statewall.netfilter.packet.Packet;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 20's in-JVM test under load: three members ({@code run --cluster}'s composition root, as in
 * {@link ClusterRunTest}), four emulated switches connected to all three that enforce roles and
 * generation ids and send packet-ins only to their master, TCP handshakes as packet-ins at a target of
 * 10,000 connections/s in total, a sample of the established connections kept alive by data segments
 * (the switches have no flow table, so each is a packet-in judged by whoever is master then), and the
 * member mastering most switches killed at a third of the run; or, in the second test, the Raft leader
 * (the switches placed so that it masters some), which a new leader must replace. The same load runs for
 * {@link #WARMUP_NANOS} before the measured run, outside its figures (a fresh JVM measures its JIT).
 *
 * <p>A connection counts as established when the packet-out of its handshake's ACK came back from the
 * master: the firewall installs the connection's entries and then sends that packet-out, so by then it is
 * ESTABLISHED in the master's conntrack and queued for replication.
 */
class ClusterUnderLoadTest {
  private static final Duration TIMEOUT = Duration.ofSeconds(30);
  private static final List<String> IDS = List.of("A", "B", "C");
  private static final int SWITCHES = 4;
  private static final int TARGET_RATE = 10_000; // connections/s, over all switches
  private static final long LOAD_NANOS = TimeUnit.SECONDS.toNanos(10);
  /**
   * The same load first, not measured, sampled or killed into: the members' JVM is fresh, and without it
   * the run measured the JIT (session 13: three quarters of the samples' top frames interpreted in the
   * first second and a half of the load, the C2 compiler threads at a third of a core throughout; the
   * same run in a JVM the first test had warmed went 2.7 times as fast). A controller serves warm.
   */
  private static final long WARMUP_NANOS = TimeUnit.SECONDS.toNanos(5);
  /** How long the generator's threads sleep between rounds (a shorter one costs more wake-ups than it gains). */
  private static final long PACE_NANOS = TimeUnit.MILLISECONDS.toNanos(1);
  private static final long KILL_AT_NANOS = LOAD_NANOS / 3;
  /** Per switch: handshakes not finished yet (a window, as the bench's, so an overload shows as a lower rate). */
  private static final int IN_FLIGHT = 256;
  /** A handshake not finished by then (a packet lost with the killed member) frees its place in the window. */
  private static final long ABANDON_NANOS = TimeUnit.SECONDS.toNanos(2);
  private static final int SAMPLE_EARLY = 150; // per switch: the first established, kept alive throughout
  private static final int SAMPLE_LATE = 150; // per switch: the last established before the kill
  private static final long KEEPALIVE_NANOS = TimeUnit.MILLISECONDS.toNanos(500);
  /**
   * Only that the load was load, not a speed: a floor far below what three warm members in one JVM reach
   * on a 2-core machine shared with other builds (5,500 to 10,000 connections/s since session 13, about
   * 1,250/s before it measured a cold JVM), so that it holds on a loaded machine; the rate is printed and
   * docs/cluster.md reports it.
   */
  private static final int MIN_RATE = 500;
  /**
   * The target is 3 s; measured 1.2 to 4.2 s here before session 11 (a follower heir learned the
   * leave late), 0.2 to 1.9 s since; the bound leaves a loaded CI machine slack; the figure is printed.
   */
  private static final Duration MAX_FAILOVER = Duration.ofSeconds(8);

  @TempDir Path dir;

  private final String clusterName = "statewall-load-test-" + UUID.randomUUID();
  private final Map<String, Member> members = new LinkedHashMap<>();
  private final List<LoadSwitch> switches = new ArrayList<>();
  private final Map<Integer, Map<Integer, Conn>> conns = new ConcurrentHashMap<>();
  private final List<Thread> threads = new ArrayList<>();
  private volatile long killAt = Long.MAX_VALUE;
  private volatile String dead;
  private volatile boolean stopping;
  private final AtomicLong refusedAfterKill = new AtomicLong();
  private final AtomicLong handshakeResets = new AtomicLong();
  private final AtomicLong refusedBeforeKill = new AtomicLong();
  private final AtomicLong keepalivesSent = new AtomicLong();
  private final AtomicLong keepalivesForwarded = new AtomicLong();
  private final AtomicLong keepalivesUnansweredByDead = new AtomicLong();
  private final AtomicLong slowestAnswerAfterKill = new AtomicLong();
  private Thread killer;

  /** One emulated TCP connection from client host {@code host}:{@code port} to its server, port 80. */
  private static final class Conn {
    final LoadSwitch sw;
    final int host;
    final int port;
    final long openedAt;
    int stage; // 0 SYN sent, 1 SYN-ACK sent, 2 ACK sent, 3 established; guarded by this
    volatile long establishedAt;
    /** The member whose packet-out of the ACK established it. */
    volatile String establishedBy;
    // keepalive state, guarded by this
    int segments;
    long kaSentAt;
    String kaTo;
    boolean kaPending;
    long forwardedAfterKill;

    Conn(LoadSwitch sw, int host, int port, long openedAt) {
      this.sw = sw;
      this.host = host;
      this.port = port;
      this.openedAt = openedAt;
    }

    boolean establishedBefore(long t) {
      long e = establishedAt;
      return e != 0 && e < t;
    }
  }

  @AfterEach
  void stop() throws Exception {
    stopping = true;
    for (Thread t : threads) {
      t.join(5_000);
    }
    for (LoadSwitch s : switches) {
      s.close();
    }
    if (killer != null) {
      killer.join(10_000);
    }
    members.values().forEach(m -> m.controller().close());
  }

  /**
   * What one run of the load with a kill saw: whom it killed, the switches that member mastered, each
   * switch's generation before the kill, and the figures the assertions check.
   */
  private record Outcome(String victim, Set<Integer> orphaned, Map<Integer, Long> generationBefore,
      long failoverNanos, Set<Integer> servedAfterKill, double rateOverall, int sampled, long keptAlive) {}

  /** Chooses the member to kill from the members alive and how many switches each masters now. */
  @FunctionalInterface
  private interface VictimChoice {
    String choose(Map<String, Integer> masteredBySwitches);
  }

  @Test
  @Timeout(value = 120, unit = TimeUnit.SECONDS)
  void noConnectionEstablishedBeforeAKillIsRefusedAfterItAndOneMasterPerSwitchPerEpoch() throws Exception {
    startUnderLoad(List.of(1, 2, 3, 4), false);
    // the member that masters the most switches, as the switches see it
    Outcome o = runWithKill(mastered -> mastered.entrySet().stream().max(Map.Entry.<String, Integer>comparingByValue()
        .thenComparing(Map.Entry.comparingByKey())).orElseThrow().getKey());
    assertNothingLost(o);
  }

  @Test
  @Timeout(value = 120, unit = TimeUnit.SECONDS)
  void theRaftLeaderKilledUnderLoadIsReplacedAndNoEstablishedConnectionIsRefused() throws Exception {
    // switches placed by rendezvous hashing, each member winning one at least: whoever leads masters some
    startUnderLoad(switchesEveryMemberWins(), true);
    Map<String, Long> termBefore = new HashMap<>();
    Outcome o = runWithKill(mastered -> {
      String leader = agreedLeader().orElseThrow(() -> new AssertionError("no Raft leader all members agree on"));
      assertThat(mastered.getOrDefault(leader, 0)).as("switches the Raft leader %s masters", leader).isPositive();
      members.forEach((id, m) -> termBefore.put(id, m.cluster().member().term()));
      return leader;
    });
    await("a new Raft leader among the survivors, known to both", () -> agreedLeader().filter(l -> !l.equals(o.victim()))
        .isPresent());
    String leader = agreedLeader().orElseThrow();
    assertThat(members.keySet()).as("the survivors").doesNotContain(o.victim()).contains(leader);
    members.forEach((id, m) -> assertThat(m.cluster().member().term()).as("%s's Raft term", id)
        .isGreaterThan(termBefore.get(id)));
    System.out.printf("ClusterUnderLoadTest: the Raft leader %s killed; %s leads now%n", o.victim(), leader);
    assertNothingLost(o);
  }

  /**
   * Starts three members and a switch for each of {@code numbers}, each connected to all three, and
   * waits until every switch has its confirmed master, reconciled, and served one connection.
   * {@code rebalance}: commit a Rebalance once they are all connected (every switch at its rendezvous
   * winner; otherwise placement follows the order the switches reached the members).
   */
  private void startUnderLoad(List<Integer> numbers, boolean rebalance) throws Exception {
    Files.writeString(dir.resolve("network.rules"), """
        *filter
        :INPUT ACCEPT [0:0]
        :FORWARD DROP [0:0]
        :OUTPUT ACCEPT [0:0]
        -A FORWARD -m state --state RELATED,ESTABLISHED -j ACCEPT
        -A FORWARD -s 10.0.0.0/8 -d 10.0.0.0/8 -p tcp --syn --dport 80 -m state --state NEW -j ACCEPT
        -A FORWARD -p tcp -j REJECT --reject-with tcp-reset
        COMMIT
        """);
    // a segment of a connection the master does not know is NEW without SYN: rejected with a reset
    Path policy = Files.writeString(dir.resolve("policy.yaml"), "network:\n  rules: network.rules\n");
    for (String id : IDS) {
      start(id, policy);
      if (!rebalance) { // the placement the connection order left, kept through the run: the leader's own
        // rebalance after the switch sets are quiet would move switches at a moment the test does not choose
        members.get(id).cluster().member().balanceAfter(java.time.Duration.ZERO);
      }
    }
    await("every member is ready", () -> members.values().stream().allMatch(m ->
        m.cluster().ready() && m.cluster().member().state().view().ready().keySet().containsAll(IDS)));
    for (int n : numbers) {
      LoadSwitch sw = new LoadSwitch(n, this::packetOut);
      switches.add(sw);
      conns.put(n, new ConcurrentHashMap<>());
      for (Member m : members.values()) {
        sw.connect(m.id(), m.openflow());
      }
    }
    if (rebalance) {
      await("every member has every switch", () -> members.values().stream().allMatch(m ->
          IDS.stream().allMatch(id -> m.cluster().member().state().view().ready().getOrDefault(id, Set.of())
              .size() == numbers.size())));
      members.get("A").cluster().member().rebalance().get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
      await("each switch at its rendezvous winner", () -> switches.stream().allMatch(sw ->
          members.get("A").mastership(sw.number).master().equals(Rendezvous.winner(sw.number, IDS))));
    }
    await("each switch has a master confirmed at the committed epoch", () -> switches.stream().allMatch(sw -> {
      Mastership m = members.get("A").mastership(sw.number);
      return m.master().isPresent() && sw.master().equals(m.master()) && masterFence(m.master().get(), sw.number)
          && sw.masterGeneration() == m.epoch();
    }));
    // a switch's confirmed master reconciles its flow table once, about two seconds after it became
    // master (settle time for adoption; a SLAVE does not: ClusterReadinessTest); these switches report no
    // flows, so the master reinstalls its offloaded connections then, and a reconciliation under load
    // stalls that switch for a second or two
    await("each switch's master reconciled it", () -> switches.stream().allMatch(sw -> {
      Optional<String> master = sw.master();
      return master.isPresent() && members.get(master.get()).assembler().firewall().reconciler().reports().stream()
          .anyMatch(r -> r.sw().equals(sw.dpid));
    }));
    // one connection per switch first: the master floods a SYN for a server it has not seen yet only to
    // edge ports discovery has had its round on (a second after the switch connected)
    for (LoadSwitch sw : switches) {
      Conn first = new Conn(sw, 1, 1024, System.nanoTime());
      conns.get(sw.number).put(key(1, 1024), first);
      await("a first connection through switch " + sw.number, () -> {
        synchronized (first) {
          if (first.stage == 0) {
            sw.packetIn(1, sw.fromClient(1, 1024, Packet.TCP_SYN, 1000, 0, 0));
          }
        }
        return first.establishedAt != 0;
      });
    }
  }

  /**
   * Runs the load for {@link #LOAD_NANOS} and kills the member {@code choice} names at a third of it
   * (later if the sample is still short), then waits for the load and the keepalives to end.
   */
  private Outcome runWithKill(VictimChoice choice) throws Exception {
    // the warm-up: the same load, its connections opened before start and so in no figure or sample
    Map<Integer, Long> next = new ConcurrentHashMap<>();
    {
      long warmStart = System.nanoTime();
      Map<Integer, List<Conn>> unused = new ConcurrentHashMap<>();
      Map<Integer, ArrayDeque<Conn>> unusedRecent = new ConcurrentHashMap<>();
      List<Thread> warm = new ArrayList<>();
      for (LoadSwitch sw : switches) {
        unused.put(sw.number, new ArrayList<>());
        unusedRecent.put(sw.number, new ArrayDeque<>());
        warm.add(new Thread(() -> next.put(sw.number, generate(sw, warmStart, warmStart + WARMUP_NANOS, unused,
            unusedRecent, 1)), "warm-up-" + sw.number));
      }
      warm.forEach(Thread::start);
      for (Thread t : warm) {
        t.join(TIMEOUT.toMillis());
      }
      assertThat(warm).noneMatch(Thread::isAlive);
      long warmed = next.values().stream().mapToLong(n -> n - 1).sum();
      System.out.printf("ClusterUnderLoadTest: warm-up of %.1f s, %d connections opened%n", WARMUP_NANOS / 1e9, warmed);
    }
    long start = System.nanoTime();
    long end = start + LOAD_NANOS;
    Map<Integer, List<Conn>> samples = new ConcurrentHashMap<>();
    Map<Integer, ArrayDeque<Conn>> recent = new ConcurrentHashMap<>();
    Map<Integer, Long> opened = new ConcurrentHashMap<>();
    for (LoadSwitch sw : switches) {
      samples.put(sw.number, new ArrayList<>());
      recent.put(sw.number, new ArrayDeque<>());
      long first = next.get(sw.number);
      Thread t = new Thread(() -> opened.put(sw.number, generate(sw, start, end, samples, recent, first) - first),
          "load-" + sw.number);
      threads.add(t);
    }
    Thread keepalive = new Thread(() -> keepAlive(samples, end), "keepalive");
    threads.add(keepalive);
    threads.forEach(Thread::start);

    // the kill, at a third of the run
    LockSupport.parkNanos(Math.max(0, start + KILL_AT_NANOS - System.nanoTime()));
    // and not before the sample holds 100 established connections (a loaded machine gets there later),
    // nor later than two thirds of the run
    while (sampledSoFar(samples) < 100 && System.nanoTime() < start + 2 * LOAD_NANOS / 3) {
      LockSupport.parkNanos(10_000_000);
    }
    Map<String, Integer> mastered = new HashMap<>();
    for (LoadSwitch sw : switches) {
      sw.master().ifPresent(m -> mastered.merge(m, 1, Integer::sum));
    }
    String victim = choice.choose(mastered);
    Map<Integer, Long> generationBefore = new HashMap<>();
    Set<Integer> orphaned = new HashSet<>();
    for (LoadSwitch sw : switches) {
      generationBefore.put(sw.number, sw.masterGeneration());
      if (sw.master().equals(Optional.of(victim))) {
        orphaned.add(sw.number);
      }
    }
    dead = victim;
    killAt = System.nanoTime();
    kill(members.get(victim));
    long killedAt = killAt;
    for (Thread t : threads) {
      t.join(TIMEOUT.toMillis() * 2);
    }
    assertThat(threads).noneMatch(Thread::isAlive);

    long established = 0;
    long establishedBeforeKill = 0;
    for (Map<Integer, Conn> perSwitch : conns.values()) {
      for (Conn c : perSwitch.values()) {
        if (c.establishedAt != 0 && c.openedAt >= start) {
          established++;
          if (c.establishedAt < killedAt) {
            establishedBeforeKill++;
          }
        }
      }
    }
    double beforeKillSeconds = (killedAt - start) / 1e9;
    double rateBeforeKill = establishedBeforeKill / beforeKillSeconds;
    double rateOverall = established / (LOAD_NANOS / 1e9);
    long openedTotal = opened.values().stream().mapToLong(Long::longValue).sum();
    // new connections served: kill to the first one opened after it, on each switch
    long failover = 0;
    Set<Integer> servedAfterKill = new HashSet<>();
    for (LoadSwitch sw : switches) {
      // set up by a live member: the victim still answers what reaches it while its connections are closed
      long first = conns.get(sw.number).values().stream().filter(c -> c.openedAt > killedAt && c.establishedAt != 0
              && !victim.equals(c.establishedBy))
          .mapToLong(c -> c.establishedAt).min().orElse(Long.MAX_VALUE);
      if (first != Long.MAX_VALUE) {
        servedAfterKill.add(sw.number);
      }
      if (orphaned.contains(sw.number)) {
        failover = Math.max(failover, first - killedAt);
      }
    }
    int sampled = samples.values().stream().mapToInt(List::size).sum();
    long keptAlive = samples.values().stream().flatMap(List::stream).filter(c -> {
      synchronized (c) {
        return c.forwardedAfterKill > 0;
      }
    }).count();
    System.out.printf("ClusterUnderLoadTest: killed %s (master of switches %s) at %.2f s;"
            + " %d connections opened, %d established (%.0f/s over the run of %.1f s), %d before the kill (%.0f/s);"
            + " new connections served on its switches %d ms after the kill;"
            + " sample of %d established before the kill: %d kept alive after it, %d refused after it"
            + " (%d before); keepalives %d sent, %d forwarded (slowest after the kill %d ms),"
            + " %d lost with the dead member;"
            + " handshakes reset %d; stale role requests refused %d%n",
        victim, orphaned, (killedAt - start) / 1e9, openedTotal, established, rateOverall, LOAD_NANOS / 1e9,
        establishedBeforeKill, rateBeforeKill, TimeUnit.NANOSECONDS.toMillis(failover), sampled, keptAlive,
        refusedAfterKill.get(), refusedBeforeKill.get(), keepalivesSent.get(), keepalivesForwarded.get(),
        TimeUnit.NANOSECONDS.toMillis(slowestAnswerAfterKill.get()), keepalivesUnansweredByDead.get(),
        handshakeResets.get(),
        switches.stream().mapToLong(LoadSwitch::staleRefused).sum());
    return new Outcome(victim, orphaned, generationBefore, failover, servedAfterKill, rateOverall, sampled,
        keptAlive);
  }

  /**
   * What every kill must leave intact: the rate, no connection established before it refused after it,
   * one master per switch per generation as the switches accepted them, the victim's switches at a
   * higher generation, new connections served again on every switch, the victim's within the bound.
   */
  private void assertNothingLost(Outcome o) {
    assertThat(o.orphaned()).as("switches the killed member %s mastered", o.victim()).isNotEmpty();
    // (a) the rate reached
    assertThat(o.rateOverall()).as("connections/s established over the run (target %d)", TARGET_RATE)
        .isGreaterThanOrEqualTo(MIN_RATE);
    // (b) no connection established before the kill is refused after it, and every one sampled goes on
    assertThat(refusedAfterKill.get()).as("segments of connections established before the kill refused after it")
        .isZero();
    assertThat(refusedBeforeKill.get()).as("keepalives refused before the kill").isZero();
    assertThat(o.sampled()).as("connections established before the kill and kept alive").isGreaterThanOrEqualTo(100);
    assertThat(o.keptAlive()).as("sampled connections forwarded by a live master after the kill").isEqualTo(o.sampled());
    // (c) at most one master per switch per epoch, as the switches accepted them; the orphans moved up
    for (LoadSwitch sw : switches) {
      Map<Long, Set<String>> byGeneration = new HashMap<>();
      List<MasterTaken> taken = sw.mastersTaken();
      taken.forEach(t -> byGeneration.computeIfAbsent(t.generation(), g -> new HashSet<>()).add(t.member()));
      assertThat(byGeneration).as("masters of switch %d by generation", sw.number)
          .allSatisfy((g, who) -> assertThat(who).hasSize(1));
      assertThat(taken.stream().map(MasterTaken::generation).toList()).isSorted();
      assertThat(sw.slaveWrites()).as("writes to switch %d from a SLAVE", sw.number).isZero();
      if (o.orphaned().contains(sw.number)) {
        assertThat(sw.master()).isPresent().isNotEqualTo(Optional.of(o.victim()));
        assertThat(sw.masterGeneration()).isGreaterThan(o.generationBefore().get(sw.number));
      } else {
        assertThat(sw.masterGeneration()).isEqualTo(o.generationBefore().get(sw.number));
      }
    }
    // (d) new connections served again on every switch, on the killed member's within the bound
    assertThat(o.servedAfterKill()).as("switches that set up a connection opened after the kill")
        .containsExactlyInAnyOrderElementsOf(switches.stream().map(sw -> sw.number).toList());
    assertThat(Duration.ofNanos(o.failoverNanos())).as("kill to new connections served").isLessThan(MAX_FAILOVER);
  }

  /** The Raft leader every live member names, if they agree on one. */
  private Optional<String> agreedLeader() {
    Set<Optional<String>> named = new HashSet<>();
    members.values().forEach(m -> named.add(m.cluster().member().leader()));
    return named.size() == 1 ? named.iterator().next() : Optional.empty();
  }

  /**
   * {@link #SWITCHES} datapath ids among which every member wins one at least by rendezvous hashing:
   * each member's smallest, then the smallest others.
   */
  private static List<Integer> switchesEveryMemberWins() {
    TreeSet<Integer> chosen = new TreeSet<>();
    for (String id : IDS) {
      int n = 1;
      while (!Rendezvous.winner(n, IDS).equals(Optional.of(id))) {
        n++;
      }
      chosen.add(n);
    }
    for (int n = 1; chosen.size() < SWITCHES; n++) {
      chosen.add(n);
    }
    return List.copyOf(chosen);
  }

  /** Connections in the sample so far, over all switches. */
  private static int sampledSoFar(Map<Integer, List<Conn>> samples) {
    int n = 0;
    for (List<Conn> sample : samples.values()) {
      synchronized (sample) {
        n += sample.size();
      }
    }
    return n;
  }

  /**
   * Opens connections on {@code sw} at its share of the target rate until {@code end}, numbered from
   * {@code firstN} (which names the client host and port); returns the next number.
   */
  private long generate(LoadSwitch sw, long start, long end, Map<Integer, List<Conn>> samples,
      Map<Integer, ArrayDeque<Conn>> recent, long firstN) {
    double perNano = (double) TARGET_RATE / SWITCHES / 1e9;
    long burst = TARGET_RATE / SWITCHES / 50; // at most 20 ms behind: no catch-up burst after a stall
    Map<Integer, Conn> mine = conns.get(sw.number);
    ArrayDeque<Conn> pending = new ArrayDeque<>();
    AtomicInteger inFlight = new AtomicInteger();
    List<Conn> sample = samples.get(sw.number);
    ArrayDeque<Conn> last = recent.get(sw.number);
    long sent = 0;
    long n = firstN; // connection 0 (host 1, port 1024) was the first one
    boolean lateSampleTaken = false;
    int lateAdded = 0;
    while (!stopping) {
      long now = System.nanoTime();
      if (now >= end) {
        break;
      }
      // handshakes done or given up, in the order they started
      while (!pending.isEmpty()) {
        Conn c = pending.peekFirst();
        synchronized (c) {
          if (c.stage == 3) {
            if (c.establishedAt < killAt) {
              if (sample.size() < SAMPLE_EARLY) {
                synchronized (sample) {
                  sample.add(c);
                }
              } else if (!lateSampleTaken) {
                last.addLast(c);
                if (last.size() > SAMPLE_LATE) {
                  last.removeFirst();
                }
              } else if (lateAdded < SAMPLE_LATE) {
                // established before the kill, seen finished only after it (this loop lags a stalled switch)
                synchronized (sample) {
                  sample.add(c);
                }
                lateAdded++;
              }
            }
          } else if (now - c.openedAt <= ABANDON_NANOS) {
            break;
          }
        }
        pending.removeFirst();
        inFlight.decrementAndGet();
      }
      if (!lateSampleTaken && now > killAt) {
        synchronized (sample) {
          sample.addAll(last);
        }
        lateAdded = last.size();
        lateSampleTaken = true;
      }
      long due = (long) ((now - start) * perNano);
      sent = Math.max(sent, due - burst);
      while (sent < due && inFlight.get() < IN_FLIGHT && sw.master().isPresent()) {
        int host = (int) (n % LoadSwitch.HOSTS) + 1;
        int port = 1024 + (int) (n / LoadSwitch.HOSTS);
        n++;
        Conn c = new Conn(sw, host, port, System.nanoTime());
        mine.put(key(host, port), c);
        pending.addLast(c);
        inFlight.incrementAndGet();
        sw.packetIn(host, sw.fromClient(host, port, Packet.TCP_SYN, 1000, 0, 0));
        sent++;
      }
      LockSupport.parkNanos(PACE_NANOS);
    }
    if (!lateSampleTaken) {
      synchronized (sample) {
        sample.addAll(last);
      }
    }
    return n;
  }

  /**
   * Sends a data segment for every sampled connection each {@link #KEEPALIVE_NANOS} until {@code end}, then
   * until every sampled one was forwarded by a live master after the kill (or {@link #TIMEOUT}); the next
   * one only once the last was answered. A segment a live master never answered counts as refused
   * (dropped), as does a reset; one sent to the killed member is lost with it.
   */
  private void keepAlive(Map<Integer, List<Conn>> samples, long end) {
    long deadline = end + TIMEOUT.toNanos();
    while (!stopping) {
      long now = System.nanoTime();
      boolean allAlive = now > end;
      for (List<Conn> sample : samples.values()) {
        List<Conn> copy;
        synchronized (sample) {
          copy = List.copyOf(sample);
        }
        for (Conn c : copy) {
          synchronized (c) {
            if (c.kaPending) {
              if (!(c.kaTo.equals(dead) && now > killAt)) {
                allAlive = false; // a late answer is an answer: only one never given is a drop
                continue;
              }
              c.kaPending = false;
              keepalivesUnansweredByDead.incrementAndGet();
            }
            if (now > end && c.forwardedAfterKill > 0) {
              continue;
            }
            allAlive = false;
            if (c.kaSentAt != 0 && now - c.kaSentAt < KEEPALIVE_NANOS) {
              continue;
            }
            long seq = 1001 + 10L * c.segments;
            c.kaSentAt = System.nanoTime();
            c.kaTo = c.sw.packetIn(c.host, c.sw.fromClient(c.host, c.port, Packet.TCP_PSH | Packet.TCP_ACK, seq,
                5001, 10));
            if (c.kaTo != null) {
              c.kaPending = true;
              c.segments++;
              keepalivesSent.incrementAndGet();
            }
          }
        }
      }
      if (allAlive || now > deadline) {
        break;
      }
      LockSupport.parkNanos(5_000_000);
    }
    // what a live master never answered was dropped
    for (List<Conn> sample : samples.values()) {
      List<Conn> copy;
      synchronized (sample) {
        copy = List.copyOf(sample);
      }
      for (Conn c : copy) {
        synchronized (c) {
          if (c.kaPending && !c.kaTo.equals(dead)) {
            (c.kaSentAt > killAt ? refusedAfterKill : refusedBeforeKill).incrementAndGet();
          } else if (c.kaPending) {
            keepalivesUnansweredByDead.incrementAndGet();
          }
        }
      }
    }
  }

  /** A packet-out from {@code member}: the next step of a handshake, a forwarded keepalive, or a reset. */
  private void packetOut(LoadSwitch sw, String member, Segment s) {
    Conn c = conns.get(sw.number).get(key(s.clientHost(), s.clientPort()));
    if (c == null) {
      return;
    }
    long now = System.nanoTime();
    synchronized (c) {
      if ((s.flags() & Packet.TCP_RST) != 0) {
        if (c.establishedAt != 0) {
          if (c.kaPending) {
            c.kaPending = false;
          }
          if (now > killAt && !member.equals(dead)) {
            refusedAfterKill.incrementAndGet();
          } else {
            refusedBeforeKill.incrementAndGet();
          }
        } else {
          handshakeResets.incrementAndGet();
        }
        return;
      }
      if (s.fromClient() && s.flags() == Packet.TCP_SYN && c.stage == 0) {
        c.stage = 1;
        sw.packetInLater(LoadSwitch.HOSTS + c.host, sw.fromServer(c.host, c.port, Packet.TCP_SYN | Packet.TCP_ACK, 5000,
            1001));
      } else if (!s.fromClient() && s.flags() == (Packet.TCP_SYN | Packet.TCP_ACK) && c.stage == 1) {
        c.stage = 2;
        sw.packetInLater(c.host, sw.fromClient(c.host, c.port, Packet.TCP_ACK, 1001, 5001, 0));
      } else if (s.fromClient() && s.flags() == Packet.TCP_ACK && c.stage == 2) {
        c.stage = 3;
        c.establishedBy = member;
        c.establishedAt = now;
      } else if (s.fromClient() && s.flags() == (Packet.TCP_PSH | Packet.TCP_ACK) && c.kaPending) {
        c.kaPending = false;
        keepalivesForwarded.incrementAndGet();
        if (c.kaSentAt > killAt && !member.equals(dead)) {
          c.forwardedAfterKill++;
          slowestAnswerAfterKill.accumulateAndGet(now - c.kaSentAt, Math::max);
        }
      }
    }
  }

  /**
   * As a kill -9 looks from outside: the switches see their connections to it close, the cluster sees it
   * gone without a Leave (failure detection), its replication stops; the rest of its controller is closed
   * off the test's thread (its Leave then fails: the channel is closed).
   */
  private void kill(Member m) throws Exception {
    for (LoadSwitch sw : switches) {
      sw.disconnect(m.id());
    }
    m.cluster().member().close();
    m.cluster().replicator().close();
    members.remove(m.id());
    killer = new Thread(() -> m.controller().close(), "kill-" + m.id());
    killer.start();
  }

  private static int key(int host, int port) {
    return (host << 16) | port;
  }

  private void start(String id, Path policy) throws Exception {
    members.put(id, new ClusterTestMembers.Cluster(clusterName, IDS, 47950, dir).start(id, policy));
  }

  private boolean masterFence(String id, long dpid) {
    Member m = members.get(id);
    return m != null && m.fencedAsMaster(dpid);
  }

}
