package io.statewall.cluster;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.jgroups.Address;
import org.jgroups.BytesMessage;
import org.jgroups.JChannel;
import org.jgroups.Message;
import org.jgroups.Receiver;
import org.jgroups.View;
import org.jgroups.protocols.raft.Role;
import org.jgroups.protocols.raft.election.BaseElection;
import org.jgroups.raft.RaftHandle;
import org.jgroups.raft.util.CommitTable;
import org.jgroups.util.Bits;
import org.jgroups.util.NameCache;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One controller's membership in the cluster: its JGroups channel with RAFT on top, the replicated
 * {@link MastershipStateMachine}, and the commands it commits.
 *
 * <p>The Raft leader also watches the JGroups view: a ready member that is no longer in it (crashed,
 * paused, cut off) is committed as left, so its switches move. A member that finds itself committed as
 * left while it runs (it was paused or partitioned, and is back) declares itself ready again.
 */
public final class ClusterMember implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ClusterMember.class);

  private final ClusterConfig config;
  private final MastershipStateMachine state = new MastershipStateMachine();
  /**
   * How often a member checks what one message can lose: a leave the leader could not commit, its own
   * Ready (first or again after being committed as left) not in the committed state, no Raft leader.
   */
  static final long SUPERVISION_MS = 500;
  /**
   * A view coordinator that has known no Raft leader this long, with a majority in its view, starts an
   * election itself: jgroups-raft elects only on view changes, and a vote that crosses a merge can end with
   * no leader and no election running until the next one (jgroups-raft issue 306; seen in our property
   * test after a healed partition).
   */
  static final long LEADERLESS_MS = 3_000;
  /**
   * The first byte of a member's term notice to its view coordinator: "I know no leader, and my term is"
   * the long that follows. Raft's rule that a higher term seen in a reply makes the leader step down is
   * missing from jgroups-raft, whose members drop a lower-term message without answering: a member whose
   * term ran ahead while it was cut off (its coordinator's vote rounds went on before the view split)
   * rejoins with the higher term and drops the leader's messages, the leader never learns of it, and
   * ELECTION, which votes only on view changes, sees nothing to do (the property test in CI, session 16).
   */
  private static final byte TERM_NOTICE = 'T';
  /**
   * How long the ready members and their switches must stay the same before the leader puts every switch
   * back at its rendezvous winner ({@link #balanceAfter}): placement is sticky, so a switch stays with
   * the first member that declared it (the order switches reach members at startup) or with the heir of a
   * connection that dropped and came back, and one member could master most of the network for good.
   */
  public static final Duration DEFAULT_BALANCE_AFTER = Duration.ofSeconds(10);

  private final ScheduledExecutorService duties;
  /** Role changes and their takeover and handover hooks, in log order, off RAFT's thread. */
  private final ExecutorService roles;
  private JChannel channel;
  private RaftHandle raft;
  /** The switches this member last declared; null until it first declares itself ready. */
  private volatile Set<Long> declared;
  /** This member's Ready was applied here (and no Leave of it since). */
  private volatile boolean seenReady;
  private volatile boolean closing;
  private volatile Takeover takeover;
  private volatile Handover handover;
  // the supervision's own state, touched only on the duties thread
  private long leaderlessSince = -1;
  private int readyMissingTicks;
  private CompletableFuture<byte[]> readyInFlight;
  private long gateClosedSince = -1;
  private SortedMap<String, Set<Long>> balanceSeen;
  private long balanceSeenSince;
  private CompletableFuture<byte[]> rebalanceInFlight;
  private volatile Duration balanceAfter = DEFAULT_BALANCE_AFTER;
  private volatile BooleanSupplier readyGate = () -> true;
  private volatile Duration readyGateMax = Duration.ZERO;

  /**
   * Runs when this member is about to become MASTER of a switch another member was master of, before
   * the role request goes out (conntrack replication commits that member's replicas here). In log order,
   * on the roles thread ({@link #inLogOrder}): it must finish its local work and not wait on the network.
   * {@code firstFromPrevious}: this is the lowest datapath id the committed change moved away from
   * {@code previousMaster}, so this member is the one heir of what belongs to none of its switches.
   */
  @FunctionalInterface
  public interface Takeover {
    void takingOver(long dpid, String previousMaster, boolean firstFromPrevious);
  }
  /** Work to do each time this member becomes Raft leader, besides its own (the composition root's). */
  private final List<Runnable> onLeader = new CopyOnWriteArrayList<>();

  public ClusterMember(ClusterConfig config) {
    this.config = config;
    this.duties = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "statewall-cluster-" + config.memberId());
      t.setDaemon(true);
      return t;
    });
    this.roles = Executors.newSingleThreadExecutor(r -> {
      Thread t = new Thread(r, "statewall-cluster-roles-" + config.memberId());
      t.setDaemon(true);
      return t;
    });
    state.addListener(new ClusterListener() {
      @Override
      public void readyMembersChanged(SortedSet<String> ready) {
        if (ready.contains(config.memberId())) {
          seenReady = true;
          return;
        }
        // not ready now (its own Leave, or one the leader committed): its next Ready is a joining one
        boolean wasReady = seenReady;
        seenReady = false;
        Set<Long> mine = declared;
        if (wasReady && mine != null && !closing) {
          LOG.warn("member {}: committed as left while running: declaring ready again once it holds the "
              + "others' state again", config.memberId());
          duty(() -> redeclareWhenGateOpens(mine));
        }
      }
    });
  }

  /** Joins the cluster (returns once connected; a leader may not be elected yet). */
  public synchronized ClusterMember start() throws Exception {
    if (channel != null) {
      throw new IllegalStateException("already started");
    }
    channel = new JChannel(ClusterStacks.stack(config, state)).name(config.memberId());
    raft = new RaftHandle(channel, state);
    raft.addRoleListener(role -> {
      if (role == Role.Leader) {
        duty(this::commitDepartures);
        onLeader.forEach(this::duty);
      }
    });
    channel.setReceiver(new Receiver() {
      @Override
      public void viewAccepted(View view) {
        duty(ClusterMember.this::commitDepartures);
      }

      @Override
      public void receive(Message msg) {
        byte[] b = msg.getArray();
        if (msg.getLength() == 1 + Long.BYTES && b != null && b[msg.getOffset()] == TERM_NOTICE) {
          long term = Bits.readLong(b, msg.getOffset() + 1);
          Address from = msg.getSrc();
          duty(() -> heardTerm(from, term));
        }
      }
    });
    channel.connect(config.clusterName());
    duties.scheduleWithFixedDelay(this::supervise, SUPERVISION_MS, SUPERVISION_MS, TimeUnit.MILLISECONDS);
    LOG.info("member {}: joined cluster {} (members {})", config.memberId(), config.clusterName(), config.members());
    return this;
  }

  public String id() {
    return config.memberId();
  }

  /** The committed state on this member (it may lag the leader by the entries not yet applied here). */
  public MastershipStateMachine state() {
    return state;
  }

  public void addListener(ClusterListener listener) {
    state.addListener(listener);
  }

  /**
   * Runs when this member, master of a switch, sees another (live, ready) member become its master,
   * before its role moves (conntrack replication moves the switch's connections out of live conntrack
   * here). In log order on the roles thread, like {@link Takeover}.
   */
  @FunctionalInterface
  public interface Handover {
    void handingOver(long dpid, String newMaster);
  }

  /** Sets the one handover hook (null: none). */
  public void onHandover(Handover hook) {
    handover = hook;
  }

  /** Sets the one takeover hook (null: none). */
  public void onTakeover(Takeover hook) {
    takeover = hook;
  }

  /**
   * What the role wiring calls for each committed change of {@code dpid}'s master, before it sends the
   * role: runs the takeover hook when this member takes the switch from another member, the handover hook
   * when another member takes it from this one.
   */
  public void beforeRole(long dpid, Mastership before, Mastership after, boolean firstFromBefore) {
    Handover away = handover;
    if (away != null && before.isMaster(config.memberId()) && after.master().isPresent()
        && !after.isMaster(config.memberId())) {
      try {
        away.handingOver(dpid, after.master().get());
      } catch (RuntimeException e) {
        LOG.error("member {}: handing switch {} over to {} failed", config.memberId(), Long.toHexString(dpid),
            after.master().get(), e);
      }
      return;
    }
    Takeover hook = takeover;
    if (hook == null || !after.isMaster(config.memberId()) || before.master().isEmpty()
        || before.isMaster(config.memberId())) {
      return;
    }
    try {
      hook.takingOver(dpid, before.master().get(), firstFromBefore);
    } catch (RuntimeException e) {
      LOG.error("member {}: taking over switch {} from {} failed; taking the role anyway", config.memberId(),
          Long.toHexString(dpid), before.master().get(), e);
    }
  }

  /**
   * Runs {@code work} on this member's roles thread, after the work given before it: role changes are
   * handed over here by the state machine's listeners (on RAFT's thread, in log order), so that a
   * takeover's local work does not hold RAFT up (the leader tells the followers of a commit only once
   * RAFT is free again). Nothing runs once the member is closing.
   */
  public void inLogOrder(Runnable work) {
    if (closing) {
      return;
    }
    try {
      roles.execute(() -> {
        try {
          work.run();
        } catch (RuntimeException e) {
          LOG.error("member {}: a role change failed", config.memberId(), e);
        }
      });
    } catch (java.util.concurrent.RejectedExecutionException e) {
      LOG.debug("member {}: closing, skipping a role change", config.memberId());
    }
  }

  /**
   * Runs {@code action} on this member's own thread each time it becomes Raft leader (a listener of the
   * roles, which must not block).
   */
  public void onLeader(Runnable action) {
    onLeader.add(action);
  }

  /** Every member's Raft id: the cluster's fixed membership. */
  public List<String> members() {
    return config.members();
  }

  public String clusterName() {
    return config.clusterName();
  }

  /** The Raft term this member knows; 0 before it joined. */
  public long term() {
    return raft == null ? 0 : raft.currentTerm();
  }

  public boolean isLeader() {
    return raft != null && raft.isLeader();
  }

  /** The Raft leader's member id, if one is known here. */
  public Optional<String> leader() {
    Address leader = raft == null ? null : raft.leader();
    return Optional.ofNullable(leader).map(ClusterMember::name);
  }

  /** Members in this member's JGroups view of the cluster (itself included); 0 before it joined. */
  public int viewSize() {
    JChannel ch = channel;
    View v = ch == null ? null : ch.view();
    return v == null ? 0 : v.size();
  }

  /** The JGroups channel, for tests that cut it off. */
  JChannel channel() {
    return channel;
  }

  /** The last log entry this member knows committed; RAFT applies an entry as it commits it, so also the last applied. */
  public long commitIndex() {
    return raft == null ? 0 : raft.commitIndex();
  }

  /** The last entry in this member's log (committed or not yet). jgroups-raft's RaftHandle calls it lastApplied. */
  public long lastAppended() {
    return raft == null ? 0 : raft.lastApplied();
  }

  /**
   * How far each member has applied the log: this member's own commit index, and on the leader every
   * other member's as it last reported it (in its answers to the leader's AppendEntries); a follower
   * knows only its own. Against the leader's commit index, what a member is behind.
   */
  public Map<String, Long> appliedByMember() {
    Map<String, Long> applied = new TreeMap<>();
    RaftHandle r = raft;
    if (r == null) {
      return applied;
    }
    if (r.isLeader()) {
      CommitTable table = r.raft().commitTable();
      if (table != null) {
        table.forEach((address, entry) -> applied.put(name(address), entry.commitIndex()));
      }
    }
    applied.put(config.memberId(), r.commitIndex());
    return applied;
  }

  /**
   * Declares this member ready to be master of these switches (the ones connected to it). Call only once
   * the member's state is caught up: its first Ready makes it take its share of the switches.
   */
  public CompletableFuture<Void> ready(Set<Long> dpids) {
    declared = Set.copyOf(dpids);
    // joining until this member has seen its own Ready applied; after that an update, which the state
    // machine ignores if this member was committed as left meanwhile (its view is behind: paused, cut off)
    return submit(new ClusterCommand.Ready(config.memberId(), dpids, !seenReady)).thenApply(r -> null);
  }

  /** Leaves the set of ready members: its switches move to the others. The member stays in Raft. */
  public CompletableFuture<Void> leave() {
    declared = null;
    return submit(new ClusterCommand.Leave(config.memberId())).thenApply(r -> null);
  }

  /**
   * Tells the cluster that switch {@code dpid} refused this member's MASTER request at {@code refusedEpoch}
   * as stale, having seen {@code switchGeneration} ({@link ClusterCommand.RaiseEpoch}).
   */
  public CompletableFuture<Void> raiseEpoch(long dpid, long refusedEpoch, long switchGeneration) {
    return submit(new ClusterCommand.RaiseEpoch(config.memberId(), dpid, refusedEpoch, switchGeneration))
        .thenApply(r -> null);
  }

  public CompletableFuture<Void> rebalance() {
    return submit(new ClusterCommand.Rebalance()).thenApply(r -> null);
  }

  /** Commits a policy by content; completes with the generation it got. */
  public CompletableFuture<Long> applyPolicy(String policyFile, Map<String, byte[]> files) {
    return commitPolicy(new ClusterCommand.ApplyPolicy(policyFile, files, false));
  }

  /**
   * Commits a policy only if the cluster has none when the command is applied; completes with the
   * generation in force then (1 if this one was taken, another's otherwise).
   */
  public CompletableFuture<Long> seedPolicy(String policyFile, Map<String, byte[]> files) {
    return commitPolicy(new ClusterCommand.ApplyPolicy(policyFile, files, true));
  }

  private CompletableFuture<Long> commitPolicy(ClusterCommand.ApplyPolicy command) {
    new PolicyContent(0, command.policyFile(), command.files()); // refuse here what every member would refuse
    return submit(command).thenApply(MastershipStateMachine::generationOf);
  }

  /** Commits how mastership is placed, if the cluster has no placement yet (the first leader's setting). */
  public CompletableFuture<Void> seedPlacement(Placement placement) {
    return submit(new ClusterCommand.SetPlacement(placement)).thenApply(r -> null);
  }

  /** Commits the cluster's LLDP key, if it has none yet (the first leader's). */
  public CompletableFuture<Void> seedLldpKey(LldpKey key) {
    return submit(new ClusterCommand.SetLldpKey(key)).thenApply(r -> null);
  }

  /** Takes a snapshot of the state machine and truncates the log (a late member then gets the snapshot). */
  public void snapshot() throws Exception {
    raft.snapshot();
  }

  /** Leaves gracefully (so the switches move at once, not after failure detection), then closes. */
  public void leaveAndClose(Duration timeout) {
    try {
      if (declared != null) {
        leave().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
      }
    } catch (Exception e) {
      LOG.warn("member {}: could not commit its leave ({}); the leader will see it gone", config.memberId(),
          e.toString());
    }
    close();
  }

  /** Disconnects without a word: to the others, as a crash looks once failure detection has seen it. */
  @Override
  public synchronized void close() {
    closing = true;
    duties.shutdownNow();
    roles.shutdownNow();
    if (channel != null) {
      channel.close();
    }
    if (raft != null && config.logDir().isEmpty()) {
      try {
        raft.log().delete(); // an in-memory log is shared JVM-wide by name: a restarted member must not find it
      } catch (Exception e) {
        LOG.debug("member {}: deleting its in-memory log: {}", config.memberId(), e.toString());
      }
    }
  }

  CompletableFuture<byte[]> submit(ClusterCommand command) {
    byte[] bytes = ClusterCommand.encode(command);
    try {
      return raft.setAsync(bytes, 0, bytes.length)
          .orTimeout(config.commitTimeout().toMillis(), TimeUnit.MILLISECONDS);
    } catch (Exception e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  /** Runs work off the JGroups and Raft threads (which must not block); nothing once closing. */
  private void duty(Runnable work) {
    if (closing) {
      return;
    }
    try {
      duties.execute(work);
    } catch (java.util.concurrent.RejectedExecutionException e) {
      LOG.debug("member {}: closing, skipping {}", config.memberId(), work);
    }
  }

  /**
   * What a Ready of a member that is not in the committed ready set waits for besides the leader (a
   * conntrack replicator: its replicas whole again after a pause or a partition); at most {@code max}
   * (the bound its first Ready's catch-up has), then it declares anyway, with a warning.
   */
  public void gateReady(BooleanSupplier gate, Duration max) {
    readyGate = gate;
    readyGateMax = max;
  }

  /** On the duties thread: declares now, or once the gate opens; the supervision tries again each tick. */
  private void redeclareWhenGateOpens(Set<Long> mine) {
    boolean inCommitted = state.view().ready().containsKey(config.memberId());
    if (!inCommitted && !readyGate.getAsBoolean()) {
      long now = System.nanoTime();
      if (gateClosedSince < 0) {
        gateClosedSince = now;
        LOG.info("member {}: waiting for the others' conntrack before it declares itself ready again",
            config.memberId());
      }
      if (now - gateClosedSince < readyGateMax.toNanos()) {
        return;
      }
      LOG.warn("member {}: the others' conntrack is still not whole after {}: declaring ready anyway",
          config.memberId(), readyGateMax);
    }
    gateClosedSince = -1;
    redeclare(mine);
  }

  /** Submits this member's Ready again, unless one is still in flight (on the duties thread). */
  private void redeclare(Set<Long> mine) {
    if (closing || (readyInFlight != null && !readyInFlight.isDone())) {
      return;
    }
    // joining unless this member has seen its own Ready applied (then an update, which the state machine
    // ignores if it was committed as left meanwhile: the member sends a joining one once it applied that)
    readyInFlight = submit(new ClusterCommand.Ready(config.memberId(), mine, !seenReady));
    readyInFlight.whenComplete((r, e) -> {
      if (e != null) {
        LOG.warn("member {}: declaring ready failed ({}); trying again", config.memberId(), e.toString());
      }
    });
  }

  /**
   * Every {@link #SUPERVISION_MS}, on the duties thread: the leader commits departures again (a leave
   * whose commit failed is not lost); a member whose declared switches are not what the committed state
   * holds for it for two ticks running (its Ready failed, or it was committed as left) declares again; a
   * view coordinator without a leader for {@link #LEADERLESS_MS} starts an election.
   */
  private void supervise() {
    try {
      if (closing || raft == null) {
        return;
      }
      commitDepartures();
      Set<Long> mine = declared;
      Set<Long> committed = state.view().ready().get(config.memberId());
      if (mine != null && raft.leader() != null && !mine.equals(committed)) {
        if (++readyMissingTicks >= 2) {
          readyMissingTicks = 0;
          redeclareWhenGateOpens(mine);
        }
      } else {
        readyMissingTicks = 0;
      }
      electIfLeaderless();
      balanceOnceSettled();
    } catch (RuntimeException e) {
      LOG.warn("member {}: supervision: {}", config.memberId(), e.toString(), e);
    }
  }

  /**
   * Without a leader for {@link #LEADERLESS_MS} and with a majority in the view: the view coordinator
   * starts an election; any other member sends the coordinator its term ({@link #TERM_NOTICE}), which
   * starts one there if that term is higher than the coordinator's.
   */
  private void electIfLeaderless() {
    View view = channel.view();
    if (raft.leader() != null || view == null) {
      leaderlessSince = -1;
      return;
    }
    long now = System.nanoTime();
    if (leaderlessSince < 0) {
      leaderlessSince = now;
      return;
    }
    long members = view.getMembers().stream().filter(a -> config.members().contains(name(a))).count();
    if (now - leaderlessSince < TimeUnit.MILLISECONDS.toNanos(LEADERLESS_MS) || members * 2 <= config.members().size()) {
      return;
    }
    long waited = TimeUnit.NANOSECONDS.toMillis(now - leaderlessSince);
    leaderlessSince = now;
    if (!channel.address().equals(view.getCoord())) {
      LOG.warn("member {}: no Raft leader for {} ms with a majority in view {}: telling the coordinator my term {}",
          config.memberId(), waited, view, raft.currentTerm());
      byte[] notice = new byte[1 + Long.BYTES];
      notice[0] = TERM_NOTICE;
      Bits.writeLong(raft.currentTerm(), notice, 1);
      try {
        channel.send(new BytesMessage(view.getCoord(), notice).setFlag(Message.Flag.OOB));
      } catch (Exception e) {
        LOG.warn("member {}: sending my term to {} failed: {}", config.memberId(), view.getCoord(), e.toString());
      }
      return;
    }
    LOG.warn("member {}: no Raft leader for {} ms with a majority in view {}: starting an election",
        config.memberId(), waited, view);
    elect();
  }

  /**
   * A member without a leader told this one its term: if higher than ours, ours moves up to it (a leader
   * here steps down, as Raft's rule has it) and, on the view coordinator, an election starts at a term
   * above it, which every member accepts.
   */
  private void heardTerm(Address from, long term) {
    View view = channel.view();
    if (closing || view == null || !channel.address().equals(view.getCoord()) || term <= raft.currentTerm()) {
      return;
    }
    LOG.warn("member {}: {} knows no leader at term {}, above mine ({}): starting an election above it",
        config.memberId(), name(from), term, raft.currentTerm());
    raft.raft().currentTerm(term);
    elect();
  }

  private void elect() {
    BaseElection election = channel.getProtocolStack().findProtocol(BaseElection.class);
    if (election != null && !election.isVotingThreadRunning()) {
      election.startVotingThread();
    }
  }

  /**
   * Sets how long the ready members' switch sets must stay unchanged before the leader rebalances a
   * placement that is off its hash placement; zero never rebalances on its own ({@link #rebalance} still
   * does). Default {@link #DEFAULT_BALANCE_AFTER}.
   */
  public void balanceAfter(Duration settle) {
    if (settle.isNegative()) {
      throw new IllegalArgumentException("a negative settle time: " + settle);
    }
    balanceAfter = settle;
  }

  /**
   * The leader's duty: once the ready members and their switches have stayed the same for
   * {@link #balanceAfter} and some switch is not at its rendezvous winner, one Rebalance. A connection
   * that flaps changes the ready sets and so waits the settle time out again: a switch moves back at
   * most once per quiet period, never with each flap. Each move is a handover to a live member (its
   * connections committed on the new master before its role request, docs/cluster.md).
   */
  private void balanceOnceSettled() {
    Duration settle = balanceAfter;
    if (!isLeader() || settle.isZero()) {
      balanceSeen = null;
      return;
    }
    long now = System.nanoTime();
    MastershipStateMachine.View v = state.view();
    if (!v.ready().equals(balanceSeen)) {
      balanceSeen = v.ready();
      balanceSeenSince = now;
      return;
    }
    if (now - balanceSeenSince < settle.toNanos() || rebalanceInFlight != null && !rebalanceInFlight.isDone()) {
      return;
    }
    java.util.SortedSet<Long> off = v.offBalance();
    if (off.isEmpty()) {
      return;
    }
    LOG.info("member {} (leader): the ready members' switches unchanged for {} s and {} of {} switches off their "
        + "rendezvous winner ({}): rebalancing", config.memberId(), TimeUnit.NANOSECONDS.toSeconds(now - balanceSeenSince),
        off.size(), v.masters().size(), off.size() > 8 ? off.first() + ".." + off.last() : off);
    balanceSeenSince = now;
    rebalanceInFlight = submit(new ClusterCommand.Rebalance());
  }

  /** The leader's duty: every ready member missing from the view is committed as left. */
  private void commitDepartures() {
    if (closing || !isLeader()) {
      return;
    }
    View view = channel.view();
    if (view == null) {
      return;
    }
    TreeSet<String> present = new TreeSet<>();
    view.getMembers().forEach(a -> present.add(name(a)));
    for (String member : state.view().ready().keySet()) {
      if (!present.contains(member)) {
        LOG.warn("member {} (leader): member {} is gone from the view {}: committing its leave",
            config.memberId(), member, view);
        submit(new ClusterCommand.Leave(member)).whenComplete((r, e) -> {
          if (e != null) {
            LOG.warn("member {}: committing the leave of {} failed: {}", config.memberId(), member, e.toString());
            return;
          }
          // followers learn of a commit from the leader's next AppendEntries, which, with nothing else to
          // append, RAFT sends once idle for its resend interval: the same Leave again (changing nothing
          // now) is one, at once, so a follower heir takes its switches with the leader, not 0.2 s or
          // more later (jgroups-raft's send_commits_immediately stalled a lagging follower's catch-up)
          submit(new ClusterCommand.Leave(member));
        });
      }
    }
  }

  private static String name(Address address) {
    String name = NameCache.get(address);
    return name != null ? name : address.toString();
  }
}
