package io.statewall.cluster.replication;

import io.statewall.cluster.ClusterConfig;
import io.statewall.cluster.ClusterStacks;
import io.statewall.netfilter.conntrack.ConnTracker;
import io.statewall.netfilter.conntrack.CtConfig;
import io.statewall.netfilter.conntrack.CtDirection;
import io.statewall.netfilter.conntrack.CtEntry;
import io.statewall.netfilter.conntrack.CtSnapshot;
import io.statewall.netfilter.conntrack.CtTuple;
import io.statewall.netfilter.conntrack.Expectation;
import io.statewall.netfilter.conntrack.RemovalReason;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import org.jgroups.Address;
import org.jgroups.BytesMessage;
import org.jgroups.JChannel;
import org.jgroups.Message;
import org.jgroups.Receiver;
import org.jgroups.View;
import org.jgroups.util.NameCache;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Conntrack replication for one member, as conntrackd's reliable mode: as an <em>owner</em> (master of
 * the connections' ingress switches) it batches its tracker's transitions and sends them to the others;
 * as a <em>follower</em> it keeps the others' connections in a {@link ReplicaTable}, apart from its live
 * conntrack, and commits an owner's replicas into live conntrack when it takes that owner's switches
 * over ({@link #promote}, before its role request goes out).
 *
 * <p>On its own JGroups channel ({@link ClusterStacks#replicationStack}): NAKACK2/UNICAST3 deliver each
 * sender's messages reliably and in order within a view; batches carry a sequence number per sender, so
 * what is lost across a view change or a merge shows as a gap, which the follower asks to be resent (from
 * the owner's bounded history, or by a full-table reset when the history no longer has it). A member that
 * joins gets every owner's whole table by a reset. Expectations go synchronously (RSVP) before the
 * helper's verdict is acted on.
 *
 * <p>Threads: transitions arrive on packet threads under the connection's lock (they only queue); one
 * timer thread flushes, resends and sweeps; JGroups' threads deliver. Lock order: the send lock, then a
 * connection's lock (snapshots); a connection's lock, then the queue lock; the replica lock, then a
 * connection's lock (commits). Nothing holding the queue lock takes another.
 */
public final class ConntrackReplicator implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ConntrackReplicator.class);
  /** A gap still open this long after its resend request is asked for again (with the next batch). */
  private static final long ASK_AGAIN_MS = 1_000;

  /** Where a connection entered the network: the datapath id of its ingress switch, or {@link Change.Update#UNKNOWN_INGRESS}. */
  @FunctionalInterface
  public interface IngressResolver {
    long ingressOf(CtEntry entry);
  }

  /**
   * The offload layer as replication sees it (the firewall's offload table, adapted by the wiring): the
   * cookie a connection's switch entries carry, and, on an heir, recording it for a committed replica so
   * that the flow reconciler keeps those entries.
   */
  public interface Offloads {
    /** {@code entry}'s flow cookie, or 0 if the switches do not carry it. */
    long cookieOf(CtEntry entry);

    /** The switches carry the committed {@code entry} under {@code cookie}. */
    void record(CtEntry entry, long cookie);

    Offloads NONE = new Offloads() {
      @Override
      public long cookieOf(CtEntry entry) {
        return 0;
      }

      @Override
      public void record(CtEntry entry, long cookie) {}
    };
  }

  /**
   * The bytes of sent batches an owner keeps for resending: about 2,000 batches of 256 changes, two to five
   * seconds at 25,000 connections a second. A follower asks for a lost batch when the next one arrives; one
   * asked for after that is answered by a reset.
   */
  static final long HISTORY_BYTES = 32L << 20;

  /**
   * @param flushInterval the longest a transition waits for its batch
   * @param maxBatch changes per batch; a queue this long is flushed at once
   * @param expectationTimeout how long an expectation's verdict waits for the others' acks
   * @param history batches kept for resending (at most {@link #HISTORY_BYTES} of them in all)
   * @param maxReplicasPerOwner the bound of each owner's side table (conntrack's maximum)
   */
  public record Settings(Duration flushInterval, int maxBatch, Duration expectationTimeout, int history,
      int maxReplicasPerOwner) {
    public static Settings defaults() {
      return new Settings(Duration.ofMillis(5), 256, Duration.ofMillis(100), 4_096,
          CtConfig.defaults().maxEntries());
    }

    public Settings withMaxReplicasPerOwner(int max) {
      return new Settings(flushInterval, maxBatch, expectationTimeout, history, max);
    }
  }

  private record Pending(CtEntry entry, boolean destroy, long atMillis) {}

  /** A follower's reading of one owner's sequence. */
  private static final class Stream {
    long incarnation;
    long expected = -1;
    long requestedTo = -1;
    long askedAt;
    /** When (System.nanoTime) this member last finished applying a whole reset of the owner's; 0: never. */
    long completedAt;
    /** A reset's dump is being applied (its first batch applied, its last not yet). */
    boolean resetting;
    /** A whole reset's dump was applied: this member held the owner's whole table at that point. */
    boolean complete;
    final TreeMap<Long, Batch> held = new TreeMap<>();
  }

  private final String memberId;
  private final String clusterName;
  private final ClusterConfig.Transport transport;
  private final ConnTracker tracker;
  private final IngressResolver ingress;
  private final Offloads offloads;
  private final Settings settings;
  private final long incarnation = ThreadLocalRandom.current().nextLong();
  private final ScheduledExecutorService timer;
  private volatile JChannel channel;
  private volatile boolean closed;

  // owner side
  private final Object queueLock = new Object();
  private List<Pending> pending = new ArrayList<>();
  private final AtomicBoolean flushQueued = new AtomicBoolean();
  private final Object sendLock = new Object();
  private long lastSeq;
  private final SentHistory history;
  private int loseNext;

  // follower side
  private final Object replicaLock = new Object();
  private final ReplicaTable replicas;
  private final Map<String, Stream> streams = new HashMap<>();
  /** Per former owner, the switches this member took over from it: its late replicas there go live. */
  private final Map<String, Set<Long>> takenOver = new HashMap<>();
  /**
   * Owners this member took a switch over from after they left: their connections whose ingress they did
   * not know are this member's now too (an heir cannot tell which switch they entered at). Not those of an
   * owner that is still there (a rebalance): it keeps them live, and committing them here made two owners.
   */
  private final Set<String> unknownIngressAdopted = new HashSet<>();
  /**
   * The switches this member handed over to another live member and has not taken back: a connection it
   * still holds live that enters at one of them is its own for another reason than mastership (an
   * expectation it holds), and its updates say so ({@link Change.Update#afterHandover()}). Written under
   * the replica lock, read by the flush.
   */
  private final Set<Long> handedOver = java.util.concurrent.ConcurrentHashMap.newKeySet();
  private volatile Set<String> present = Set.of();
  private View lastView;
  /**
   * The other owners in this member's first replication view: each owes it its whole table (the reset
   * every owner sends on seeing a newcomer); one that leaves the view owes nothing more. Null until then.
   */
  private Set<String> owed;
  /** When this member first saw the view (its owed tables are due from then), and when it last asked each. */
  private long joinedAt;
  private final Map<String, Long> tableAskedAt = new HashMap<>();
  /** Per owner, when it last left this member's view, and when it last came back (System.nanoTime). */
  private final Map<String, Long> absentSince = new HashMap<>();
  private final Map<String, Long> returnedAt = new HashMap<>();
  private final CompletableFuture<Void> caughtUp = new CompletableFuture<>();

  // metrics
  private final LongAdder batchesSent = new LongAdder();
  private final LongAdder batchesResent = new LongAdder();
  private final LongAdder resetsSent = new LongAdder();
  private final LongAdder batchesLost = new LongAdder();
  private final LongAdder resendRequests = new LongAdder();
  private final LongAdder expectationsSent = new LongAdder();
  private final LongAdder expectationTimeouts = new LongAdder();
  private final LongAdder promoted = new LongAdder();
  private long changesApplied;
  private long lagLast;
  private long lagMax;
  private long lagSum;

  /**
   * @param memberId this member's id (the owner name its batches carry)
   * @param clusterName the cluster's name; the replication channel joins {@link ClusterStacks#replicationCluster}
   * @param transport how members reach each other (over TCP the replication channel uses the member's
   *     ports plus {@link ClusterStacks#REPLICATION_PORT_OFFSET})
   * @param tracker this member's live conntrack
   */
  public ConntrackReplicator(String memberId, String clusterName, ClusterConfig.Transport transport,
      ConnTracker tracker, IngressResolver ingress, Offloads offloads, Settings settings) {
    this.memberId = Objects.requireNonNull(memberId, "memberId");
    this.clusterName = Objects.requireNonNull(clusterName, "clusterName");
    this.transport = Objects.requireNonNull(transport, "transport");
    this.tracker = Objects.requireNonNull(tracker, "tracker");
    this.ingress = Objects.requireNonNull(ingress, "ingress");
    this.offloads = Objects.requireNonNull(offloads, "offloads");
    this.settings = Objects.requireNonNull(settings, "settings");
    this.history = new SentHistory(settings.history(), HISTORY_BYTES);
    this.replicas = new ReplicaTable(settings.maxReplicasPerOwner());
    this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "statewall-replication-" + memberId);
      t.setDaemon(true);
      return t;
    });
  }

  /**
   * Another kind of message that shares this channel (its reliable FIFO delivery per sender, its view):
   * the topology each member learned, the writes a member asks of another switch's master. Told of every
   * message whose first two bytes are its magic, and of every view, on JGroups' threads: it must not block.
   */
  public interface Sideband {
    /** A message from member {@code from}; the bytes are its own (the magic included), to check. */
    void received(String from, byte[] buf, int off, int len);

    /** The replication view is now {@code members} (this member among them); {@code newcomers} joined it. */
    void viewChanged(Set<String> members, Set<String> newcomers);
  }

  private final Map<Integer, Sideband> sidebands = new java.util.concurrent.ConcurrentHashMap<>();

  /** Routes messages starting with {@code magic} (not the replication's own) to {@code sideband}. */
  public void attach(int magic, Sideband sideband) {
    if (magic == ReplicationCodec.MAGIC) {
      throw new IllegalArgumentException("magic " + Integer.toHexString(magic) + " is replication's own");
    }
    sidebands.put(magic & 0xFFFF, Objects.requireNonNull(sideband));
  }

  /**
   * The member whose replica (a connection it owns, as it replicated it) has {@code original} as its
   * ORIGINAL tuple, if any other member's does.
   */
  public Optional<String> ownerOf(CtTuple original) {
    Replica key = Replica.of(original);
    synchronized (replicaLock) {
      return Optional.ofNullable(replicas.ownerHolding(key));
    }
  }

  /**
   * The member, other than this one, one of whose replicated control connections has a pending expectation
   * that a new connection with ORIGINAL tuple {@code original} fulfils (an FTP data connection the owner of
   * its control connection expects), if any. Costs a volatile read when no replica expects anything.
   */
  public Optional<String> ownerExpecting(CtTuple original) {
    if (!replicas.anyExpecting()) {
      return Optional.empty();
    }
    synchronized (replicaLock) {
      for (String owner : replicas.owners()) {
        if (!owner.equals(memberId) && replicas.expecting(owner, original) != null) {
          return Optional.of(owner);
        }
      }
    }
    return Optional.empty();
  }

  /**
   * The member, other than this one and in the view, whose replicated connection carries offload cookie
   * {@code cookie}, if any (a scan of the replicas: for reconciling a switch, not for every packet).
   */
  public Optional<String> liveOwnerOfCookie(long cookie) {
    synchronized (replicaLock) {
      for (String owner : replicas.owners()) {
        if (!owner.equals(memberId) && present.contains(owner)
            && replicas.list(owner).stream().anyMatch(r -> r.cookie == cookie)) {
          return Optional.of(owner);
        }
      }
    }
    return Optional.empty();
  }

  /** Whether {@code member} is in this member's replication view. */
  public boolean inView(String member) {
    return present.contains(member);
  }

  /** Sends a sideband's message to every other member ({@code to} null) or to one. */
  public void sendSideband(String to, byte[] bytes) {
    Address address = null;
    if (to != null) {
      View v = lastView;
      address = v == null ? null : v.getMembers().stream().filter(a -> name(a).equals(to)).findFirst().orElse(null);
      if (address == null) {
        LOG.debug("member {}: {} is not in the replication view: not sent", memberId, to);
        return;
      }
    }
    send(new BytesMessage(address, bytes));
  }

  /** Joins the replication channel and starts listening to the tracker. */
  public synchronized ConntrackReplicator start() throws Exception {
    if (channel != null) {
      throw new IllegalStateException("already started");
    }
    JChannel ch = new JChannel(ClusterStacks.replicationStack(transport, settings.expectationTimeout().toMillis()))
        .name(memberId);
    ch.setDiscardOwnMessages(true);
    ch.setReceiver(new Receiver() {
      @Override
      public void receive(Message msg) {
        onMessage(msg);
      }

      @Override
      public void viewAccepted(View view) {
        onView(view);
      }
    });
    channel = ch;
    ch.connect(ClusterStacks.replicationCluster(clusterName));
    tracker.setTransitionListener((e, changes) -> enqueue(e, false));
    tracker.addRemovalListener(this::removed);
    tracker.setExpectationListener(this::expected);
    long every = settings.flushInterval().toNanos();
    timer.scheduleWithFixedDelay(this::flush, every, every, TimeUnit.NANOSECONDS);
    timer.scheduleWithFixedDelay(this::sweep, 1, 1, TimeUnit.SECONDS);
    LOG.info("member {}: conntrack replication joined {}", memberId, ClusterStacks.replicationCluster(clusterName));
    return this;
  }

  /** The replication channel, for tests that cut it off. */
  JChannel channel() {
    return channel;
  }

  public String memberId() {
    return memberId;
  }

  // ------------------------------------------------------------------------------- owner side

  /** The offload layer's hook: {@code entry}'s switch entries now carry a cookie (replicated with it). */
  public void offloaded(CtEntry entry, long cookie) {
    enqueue(entry, false);
  }

  private void removed(CtEntry entry, RemovalReason why) {
    if (why != RemovalReason.HANDED_OVER) { // not ended: its new owner replicates it from now on
      enqueue(entry, true);
    }
  }

  private void enqueue(CtEntry e, boolean destroy) {
    if (closed) {
      return;
    }
    int n;
    synchronized (queueLock) {
      pending.add(new Pending(e, destroy, System.currentTimeMillis()));
      n = pending.size();
    }
    if (n >= settings.maxBatch() && flushQueued.compareAndSet(false, true)) {
      later(this::flush);
    }
  }

  /** Sends what is queued (the timer does, every flush interval). */
  public void flush() {
    flushQueued.set(false);
    try {
      synchronized (sendLock) {
        flushLocked();
      }
    } catch (RuntimeException e) {
      LOG.warn("member {}: replication flush failed", memberId, e);
    }
  }

  private void flushLocked() {
    List<Pending> drained;
    synchronized (queueLock) {
      if (pending.isEmpty()) {
        return;
      }
      drained = pending;
      pending = new ArrayList<>(Math.max(16, drained.size()));
    }
    List<Change> changes = new ArrayList<>(drained.size());
    IdentityHashMap<CtEntry, Boolean> updated = new IdentityHashMap<>();
    for (Pending p : drained) {
      if (p.destroy()) {
        changes.add(new Change.Destroy(p.entry().tuple(CtDirection.ORIGINAL), p.atMillis()));
      } else if (updated.put(p.entry(), Boolean.TRUE) == null) {
        Change.Update u = update(p.entry(), p.atMillis());
        if (u != null) {
          changes.add(u); // the state now: later transitions of the same batch are in it
        }
      }
    }
    sendLocked(changes, false, null);
  }

  /** {@code e}'s state now as a change, or null if it has left the table (its destroy follows). */
  private Change.Update update(CtEntry e, long at) {
    CtSnapshot s = tracker.snapshot(e);
    if (s == null) {
      return null;
    }
    long in = ingress.ingressOf(e);
    return new Change.Update(s, in, offloads.cookieOf(e), at, in != Change.Update.UNKNOWN_INGRESS && handedOver.contains(in));
  }

  /** Numbers, keeps and sends {@code changes} in batches of at most maxBatch; caller holds the send lock. */
  private void sendLocked(List<Change> changes, boolean reset, Address to) {
    int i = 0;
    boolean first = true;
    while (first || i < changes.size()) {
      List<Change> part = changes.subList(i, Math.min(changes.size(), i + settings.maxBatch()));
      i += part.size();
      Batch b = new Batch(memberId, incarnation, ++lastSeq, System.currentTimeMillis(), reset && first,
          reset && i >= changes.size(), part);
      first = false;
      byte[] bytes = ReplicationCodec.encode(b);
      keep(b.seq(), bytes);
      if (loseNext > 0) {
        loseNext--;
        continue;
      }
      send(new BytesMessage(to, bytes));
    }
  }

  /** Keeps a sent batch for resending, the oldest going past the bound; caller holds the send lock. */
  private void keep(long seq, byte[] bytes) {
    history.add(seq, bytes);
    batchesSent.increment();
  }

  private void send(Message m) {
    JChannel ch = channel;
    if (ch == null || closed) {
      return;
    }
    try {
      ch.send(m);
    } catch (Exception e) {
      LOG.debug("member {}: replication send failed: {}", memberId, e.toString());
    }
  }

  /**
   * The helper made an expectation: before the verdict is acted on, the queued transitions (its control
   * connection's among them) go out, then the expectation with RSVP, waiting up to the bound for the
   * others' acknowledgement. If none comes in time the verdict proceeds anyway (counted).
   */
  private void expected(Expectation x, long remainingMillis) {
    if (closed) {
      return;
    }
    synchronized (sendLock) {
      flushLocked();
      Change.Expect c = new Change.Expect(x.master().tuple(CtDirection.ORIGINAL), x.src(), x.dst(), x.protocol(),
          x.dstPort(), remainingMillis, System.currentTimeMillis());
      Batch b = new Batch(memberId, incarnation, ++lastSeq, System.currentTimeMillis(), false, List.of(c));
      byte[] bytes = ReplicationCodec.encode(b);
      keep(b.seq(), bytes);
      expectationsSent.increment();
      JChannel ch = channel;
      if (ch == null || ch.getView() == null || ch.getView().size() < 2) {
        return; // nobody to ack: nothing to wait for
      }
      try {
        ch.send(new BytesMessage(null, bytes).setFlag(Message.Flag.RSVP));
      } catch (TimeoutException e) {
        expectationTimeouts.increment();
        LOG.warn("member {}: no ack for an expectation within {}: the verdict proceeds", memberId,
            settings.expectationTimeout());
      } catch (Exception e) {
        expectationTimeouts.increment();
        LOG.warn("member {}: sending an expectation failed ({}): the verdict proceeds", memberId, e.toString());
      }
    }
  }

  /** A follower asked again for batches: from the history, or (gone from it) by a reset to everyone. */
  private void resend(ResendRequest r, Address requester) {
    synchronized (sendLock) {
      if (r.isWholeTable()) {
        LOG.info("member {}: {} still lacks this member's whole table: resetting", memberId, r.requester());
        resetLocked();
        return;
      }
      List<byte[]> again = new ArrayList<>();
      for (long s = r.from(); s <= r.to(); s++) {
        byte[] b = history.get(s);
        if (b == null) {
          LOG.warn("member {}: {} asked for batch {} which is no longer held: resetting", memberId,
              r.requester(), s);
          resetLocked();
          return;
        }
        again.add(b);
      }
      for (byte[] b : again) {
        batchesResent.increment();
        send(new BytesMessage(requester, b));
      }
    }
  }

  /**
   * Sends this member's whole table and its pending expectations, after telling followers to forget what
   * they hold of it.
   */
  public void resync() {
    synchronized (sendLock) {
      resetLocked();
    }
  }

  private void resetLocked() {
    flushLocked();
    long now = System.currentTimeMillis();
    List<Change> all = new ArrayList<>();
    for (CtEntry e : tracker.entries()) {
      Change.Update u = update(e, now);
      if (u != null) {
        all.add(u);
      }
    }
    for (Expectation x : tracker.expectations()) { // after their masters
      all.add(new Change.Expect(x.master().tuple(CtDirection.ORIGINAL), x.src(), x.dst(), x.protocol(), x.dstPort(),
          tracker.remainingMillis(x), now));
    }
    resetsSent.increment();
    sendLocked(all, true, null);
  }

  /** Test hook: returns once the work queued on the replication thread so far (a join's resync) is done. */
  void awaitQueuedWork() throws Exception {
    timer.submit(() -> {}).get(10, TimeUnit.SECONDS);
  }

  /** Test hook: the next {@code n} batches are numbered and kept, but not sent (as if lost in a view change). */
  void loseNextBatches(int n) {
    synchronized (sendLock) {
      loseNext = n;
    }
  }

  // ---------------------------------------------------------------------------- follower side

  private void onMessage(Message msg) {
    if (msg.getLength() >= 2) {
      byte[] buf = msg.getArray();
      int magic = (buf[msg.getOffset()] & 0xFF) << 8 | buf[msg.getOffset() + 1] & 0xFF;
      Sideband side = magic == ReplicationCodec.MAGIC ? null : sidebands.get(magic);
      if (side != null) {
        try {
          side.received(name(msg.getSrc()), buf, msg.getOffset(), msg.getLength());
        } catch (RuntimeException e) {
          LOG.warn("member {}: a message from {} refused: {}", memberId, msg.getSrc(), e.toString());
        }
        return;
      }
    }
    Object m;
    try {
      m = ReplicationCodec.decode(msg.getArray(), msg.getOffset(), msg.getLength());
    } catch (RuntimeException e) {
      LOG.warn("member {}: unreadable replication message from {}: {}", memberId, msg.getSrc(), e.toString());
      return;
    }
    if (m instanceof ResendRequest r) {
      if (r.owner().equals(memberId)) {
        Address from = msg.getSrc();
        later(() -> resend(r, from));
      }
      return;
    }
    Batch b = (Batch) m;
    if (!b.owner().equals(memberId)) {
      received(b, msg.getSrc());
    }
  }

  private void received(Batch b, Address src) {
    ResendRequest ask = null;
    synchronized (replicaLock) {
      Stream st = streams.get(b.owner());
      if (st == null || st.incarnation != b.incarnation()) {
        st = new Stream();
        st.incarnation = b.incarnation();
        streams.put(b.owner(), st);
      }
      if (b.reset()) {
        replicas.clear(b.owner());
        takenOver.remove(b.owner());
        unknownIngressAdopted.remove(b.owner());
        st.expected = b.seq();
        st.held.headMap(b.seq()).clear();
      } else if (st.expected < 0) {
        st.expected = b.seq(); // first contact: what came before arrives by the reset a join brings
      }
      if (b.seq() < st.expected) {
        return; // a duplicate (a resend that crossed the original)
      }
      if (b.seq() > st.expected) {
        st.held.put(b.seq(), b);
        long now = System.currentTimeMillis();
        if (b.seq() - 1 > st.requestedTo) {
          long from = Math.max(st.expected, st.requestedTo + 1);
          batchesLost.add(b.seq() - from);
          st.requestedTo = b.seq() - 1;
          st.askedAt = now;
          ask = new ResendRequest(b.owner(), memberId, from, b.seq() - 1);
        } else if (now - st.askedAt > ASK_AGAIN_MS) {
          st.askedAt = now; // the request or its answer was lost (a view change): ask again
          ask = new ResendRequest(b.owner(), memberId, st.expected, st.requestedTo);
        }
      } else {
        apply(b);
        st.expected++;
        for (Batch next; (next = st.held.remove(st.expected)) != null; st.expected++) {
          apply(next);
        }
      }
      checkCaughtUp();
    }
    if (ask != null) {
      resendRequests.increment();
      LOG.info("member {}: batches {}..{} of {} missing: asking again", memberId, ask.from(), ask.to(), ask.owner());
      byte[] bytes = ReplicationCodec.encode(ask);
      later(() -> send(new BytesMessage(src, bytes)));
    }
  }

  /** Applies one batch; caller holds the replica lock. */
  private void apply(Batch b) {
    long now = System.currentTimeMillis();
    String owner = b.owner();
    Stream st = streams.get(owner);
    if (st != null && b.reset()) {
      st.resetting = true;
    }
    for (Change c : b.changes()) {
      if (c instanceof Change.Update u) {
        applyUpdate(owner, u, now);
      } else if (c instanceof Change.Destroy d) {
        if (!replicas.remove(owner, Replica.of(d.original())) && takenOver.containsKey(owner)) {
          tracker.delete(d.original()); // a late destroy of a connection already committed here
        }
      } else {
        applyExpect(owner, (Change.Expect) c, now);
      }
      long lag = Math.max(0, now - c.atMillis());
      changesApplied++;
      lagLast = lag;
      lagMax = Math.max(lagMax, lag);
      lagSum += lag;
    }
    if (st != null && b.resetEnd()) {
      st.resetting = false;
      st.complete = true;
      st.completedAt = System.nanoTime();
    }
  }

  private void applyUpdate(String owner, Change.Update u, long now) {
    Replica key = Replica.of(u.ct().original());
    Set<Long> taken = takenOver.get(owner);
    if (taken != null && !u.afterHandover() && (taken.contains(u.ingress())
        || u.ingress() == Change.Update.UNKNOWN_INGRESS && unknownIngressAdopted.contains(owner))) {
      replicas.remove(owner, key);
      commit(u.ct(), u.cookie()); // late: this member is master of its ingress already
      promoted.increment();
      return;
    }
    replicas.removeElsewhere(owner, key);
    if (!replicas.put(owner, key, u, now)) {
      return;
    }
    if ((u.ct().status() & CtEntry.EXPECTED) != 0) {
      Replica master = replicas.expecting(owner, u);
      if (master != null) {
        replicas.unexpect(owner, master); // consumed at the owner by this RELATED connection
      }
    }
  }

  private void applyExpect(String owner, Change.Expect x, long now) {
    Replica master = Replica.of(x.master());
    if (replicas.holds(owner, master)) {
      replicas.expect(owner, master, x, now);
      return;
    }
    if (takenOver.containsKey(owner)) {
      for (CtEntry e : tracker.entries()) {
        if (e.tuple(CtDirection.ORIGINAL).equals(x.master())) {
          tracker.restoreExpectation(e, x.src(), x.dst(), x.protocol(), x.dstPort(), x.remainingMillis());
          return;
        }
      }
    }
  }

  private Optional<CtEntry> commit(CtSnapshot s, long cookie) {
    Optional<CtEntry> e = tracker.restore(s);
    if (e.isPresent() && cookie != 0) {
      offloads.record(e.get(), cookie);
    }
    if (e.isEmpty()) {
      LOG.warn("member {}: conntrack full: could not commit the replica of {}", memberId, s.original());
    }
    return e;
  }

  /**
   * The takeover step: this member is about to become MASTER of {@code dpid}, whose master was
   * {@code previousMaster}. Commits that member's replicas of connections entering at {@code dpid} (and
   * those whose ingress it did not know) into live conntrack with their state, timeouts, helper, offload
   * cookie and pending expectation; from now on its late replicas for {@code dpid} go straight to live
   * conntrack. Returns how many were committed. Call it before the role request goes out.
   *
   * <p>With {@code unknownIngressToo} false, only the connections known to
   * enter at {@code dpid}: the previous master is still a ready member (a rebalance moved the switch, and it
   * hands those over itself, keeping its connections of unknown ingress live), or this member kept the switch
   * and takes up a departed owner's connections that enter there. With it true (the previous master left),
   * its connections of unknown ingress are committed here as well, and so are their late updates.
   */
  public int promote(String previousMaster, long dpid, boolean unknownIngressToo) {
    synchronized (replicaLock) {
      takenOver.computeIfAbsent(previousMaster, o -> new HashSet<>()).add(dpid);
      handedOver.remove(dpid);
      if (unknownIngressToo) {
        unknownIngressAdopted.add(previousMaster);
      }
      List<Replica> taken = replicas.take(previousMaster, r -> r.ingress == dpid
          || r.ingress == Change.Update.UNKNOWN_INGRESS && unknownIngressAdopted.contains(previousMaster));
      long now = System.currentTimeMillis();
      int n = 0;
      for (Replica r : taken) {
        Optional<CtEntry> e = commit(r.snapshot(), r.cookie);
        if (e.isEmpty()) {
          continue;
        }
        n++;
        Change.Expect x = r.expectation;
        if (x != null) {
          long left = x.remainingMillis() - (now - r.expectationReceivedAt);
          if (left > 0) {
            tracker.restoreExpectation(e.get(), x.src(), x.dst(), x.protocol(), x.dstPort(), left);
          }
        }
      }
      promoted.add(n);
      LOG.info("member {}: took over switch {} from {}: {} connections committed to conntrack", memberId,
          Long.toHexString(dpid), previousMaster, n);
      return n;
    }
  }

  /**
   * The handover step, the mirror of {@link #promote}: this member was master of {@code dpid} and
   * {@code newMaster}, alive, is now (a joiner took its share, or this member was paused and the others
   * moved on). The connections entering at {@code dpid} leave this member's live conntrack without a
   * destroy (their switch entries stay) and become replicas of {@code newMaster}, which committed its
   * copies when it took the switch and replicates them from now on. Kept live here, an expiry (this member
   * no longer sees their packets) would have been replicated as a destroy that deleted the new master's
   * copies. Returns how many were handed over.
   */
  public int handOver(String newMaster, long dpid) {
    synchronized (replicaLock) {
      takenOver.values().forEach(switches -> switches.remove(dpid));
    }
    // the scan of the whole table runs outside the replicas' lock, which the applier of every batch takes:
    // a rebalance under load scans once per switch it moves away (session 16: 20 s of moves in the bench)
    List<CtEntry> leaving = new ArrayList<>();
    for (CtEntry e : tracker.entries()) {
      if (ingress.ingressOf(e) == dpid) {
        leaving.add(e);
      }
    }
    synchronized (replicaLock) {
      long now = System.currentTimeMillis();
      int n = 0;
      for (CtEntry e : leaving) {
        long cookie = offloads.cookieOf(e);
        CtSnapshot s = tracker.handOver(e);
        if (s == null) {
          continue;
        }
        replicas.put(newMaster, Replica.of(s.original()), new Change.Update(s, dpid, cookie, now), now);
        n++;
      }
      // only now: until its connections there have left, an update of one is a late one the new master takes
      // live (it raced the handover); what this member still holds live there from now on is its own for
      // another reason (an expectation's data connection), and its updates say so
      handedOver.add(dpid);
      LOG.info("member {}: handed switch {} over to {}: {} connections left live conntrack for its replicas",
          memberId, Long.toHexString(dpid), newMaster, n);
      return n;
    }
  }

  private void onView(View view) {
    View before = lastView;
    lastView = view;
    if (before != null ? view.getMembers().stream().anyMatch(a -> !before.containsMember(a)) : view.size() > 1) {
      // a newcomer (or the other half of a merge) needs this member's whole table; and on this member's
      // own first view, a member that joined in the same view as this one waits for it too (its catch-up)
      later(this::resync);
    }
    Set<String> names = new HashSet<>();
    view.getMembers().forEach(a -> names.add(name(a)));
    long now = System.nanoTime();
    synchronized (replicaLock) {
      for (String gone : present) {
        if (!names.contains(gone)) {
          absentSince.put(gone, now); // what it sends from here is missed until its next whole reset
        }
      }
      for (String back : names) {
        if (!present.contains(back)) {
          returnedAt.put(back, now);
        }
      }
    }
    present = Set.copyOf(names); // after the resync is queued: viewSize() then implies it
    Set<String> newcomers = new HashSet<>(names);
    if (before != null) {
      before.getMembers().forEach(a -> newcomers.remove(name(a)));
    }
    newcomers.remove(memberId);
    for (Sideband side : sidebands.values()) {
      try {
        side.viewChanged(Set.copyOf(names), Set.copyOf(newcomers));
      } catch (RuntimeException e) {
        LOG.warn("member {}: a sideband failed on view {}", memberId, view, e);
      }
    }
    synchronized (replicaLock) {
      if (owed == null) {
        joinedAt = System.currentTimeMillis();
        owed = new HashSet<>(names);
        owed.remove(memberId);
        LOG.info("member {}: joined the replication view: waiting for the whole tables of {}", memberId, owed);
      } else {
        owed.retainAll(names); // one that left (and maybe came back as a newcomer) owes nothing more
      }
      checkCaughtUp();
    }
    later(this::applyHeldOfDeparted);
  }

  /**
   * Completes the catch-up once every owed owner still present has delivered a whole reset's dump and
   * its stream has no batch held behind a gap; caller holds the replica lock.
   */
  private void checkCaughtUp() {
    if (owed == null || caughtUp.isDone()) {
      return;
    }
    for (String owner : owed) {
      Stream st = streams.get(owner);
      if (st == null || !st.complete || st.resetting || !st.held.isEmpty()) {
        return;
      }
    }
    LOG.info("member {}: conntrack replication caught up: the whole tables of {} applied", memberId, owed);
    caughtUp.complete(null);
  }

  /**
   * Whether this member has caught up since it joined: every other owner of its first replication view
   * that is still there has delivered its whole table (the reset a join brings) and no gap is open in its
   * stream. Once true it stays true (later gaps are resent as usual). A member alone is caught up as soon
   * as it joined.
   */
  public boolean caughtUp() {
    return caughtUp.isDone();
  }

  /**
   * True when every owner in the view that this member lost sight of at some point (a pause, a
   * partition, a restart) has since delivered a whole table by a reset: what this member holds of the
   * others is whole again. A member committed as left waits for it before it declares itself ready
   * again, as the first Ready waits for {@link #caughtUp()}.
   */
  public boolean caughtUpSinceAbsences() {
    synchronized (replicaLock) {
      for (String owner : present) {
        if (!owner.equals(memberId) && lacksSinceAbsence(owner)) {
          return false;
        }
      }
      return true;
    }
  }

  /** {@code owner} left this member's view and has not delivered a whole reset since; caller holds the replica lock. */
  private boolean lacksSinceAbsence(String owner) {
    Long lost = absentSince.get(owner);
    if (lost == null) {
      return false;
    }
    Stream st = streams.get(owner);
    return st == null || st.completedAt == 0 || st.completedAt - lost < 0;
  }

  /** Completes when {@link #caughtUp()} becomes true (never, if it never does: callers bound the wait). */
  public CompletableFuture<Void> whenCaughtUp() {
    return caughtUp.thenApply(v -> v);
  }

  /**
   * An owner left with a gap still open: nobody can resend it now, so what was held back behind the gap
   * is applied in order (its later state is worth more than strict order around a hole: at worst a
   * connection destroyed in the lost batch comes back until its timeout).
   */
  private void applyHeldOfDeparted() {
    synchronized (replicaLock) {
      streams.forEach((owner, st) -> {
        if (!present.contains(owner) && !st.held.isEmpty()) {
          LOG.warn("member {}: {} left with batches {}..{} missing: applying the {} held behind them", memberId,
              owner, st.expected, st.held.firstKey() - 1, st.held.size());
          for (Batch b : st.held.values()) {
            apply(b);
            st.expected = b.seq() + 1;
          }
          st.held.clear();
        }
      });
      checkCaughtUp();
    }
  }

  /** Drops replicas of owners gone from the view once their timeouts have run out. */
  private void sweep() {
    long now = System.currentTimeMillis();
    List<String> lacking = new ArrayList<>();
    synchronized (replicaLock) {
      for (String owner : replicas.owners()) {
        if (!present.contains(owner)) {
          replicas.take(owner, r -> r.expired(now));
        }
      }
      if (owed != null && !caughtUp.isDone()) {
        for (String owner : owed) {
          Stream st = streams.get(owner);
          if ((st == null || !st.complete && !st.resetting)
              && now - tableAskedAt.getOrDefault(owner, joinedAt) > ASK_AGAIN_MS) {
            tableAskedAt.put(owner, now);
            lacking.add(owner);
          }
        }
      }
      // back in sight of an owner (a healed partition): its reset for the merge may have been lost too
      for (String owner : present) {
        if (!owner.equals(memberId) && lacksSinceAbsence(owner) && !lacking.contains(owner)
            && now - tableAskedAt.getOrDefault(owner, 0L) > ASK_AGAIN_MS
            && System.nanoTime() - returnedAt.getOrDefault(owner, System.nanoTime())
                > TimeUnit.MILLISECONDS.toNanos(ASK_AGAIN_MS)) {
          tableAskedAt.put(owner, now);
          lacking.add(owner);
        }
      }
    }
    JChannel ch = channel;
    View view = ch == null ? null : ch.view();
    for (String owner : lacking) { // the reset its join brought was lost, and the owner has sent nothing since
      if (view == null) {
        break;
      }
      view.getMembers().stream().filter(a -> owner.equals(name(a))).findFirst().ifPresent(a -> {
        resendRequests.increment();
        LOG.info("member {}: still without {}'s whole table: asking for it", memberId, owner);
        send(new BytesMessage(a, ReplicationCodec.encode(ResendRequest.wholeTable(owner, memberId))));
      });
    }
  }

  // ---------------------------------------------------------------------------------- metrics

  public ReplicationMetrics metrics() {
    int queued;
    synchronized (queueLock) {
      queued = pending.size();
    }
    synchronized (replicaLock) {
      return new ReplicationMetrics(queued, batchesSent.sum(), batchesResent.sum(), resetsSent.sum(),
          batchesLost.sum(), resendRequests.sum(), changesApplied, lagLast, lagMax,
          changesApplied == 0 ? 0 : (double) lagSum / changesApplied, expectationsSent.sum(),
          expectationTimeouts.sum(), promoted.sum(), replicas.refused(), replicas.sizes());
    }
  }

  /** The replicated state this member holds of {@code owner}'s connections (a copy, for tests and diagnostics). */
  public List<CtSnapshot> replicasOf(String owner) {
    synchronized (replicaLock) {
      List<CtSnapshot> out = new ArrayList<>();
      for (Replica r : replicas.list(owner)) {
        out.add(r.snapshot());
      }
      return out;
    }
  }

  /** Pending expectations held of {@code owner}'s control connections. */
  public int expectationsHeldOf(String owner) {
    synchronized (replicaLock) {
      return (int) replicas.list(owner).stream().filter(r -> r.expectation != null).count();
    }
  }

  /** Members in this member's replication view (itself included). */
  public int viewSize() {
    return present.size();
  }

  private void later(Runnable work) {
    if (closed) {
      return;
    }
    try {
      timer.execute(work);
    } catch (RejectedExecutionException e) {
      LOG.debug("member {}: closing, skipping {}", memberId, work);
    }
  }

  private static String name(Address a) {
    String n = NameCache.get(a);
    return n != null ? n : a.toString();
  }

  /** Stops replicating (no goodbye: to the others, as a crash once failure detection has seen it). */
  @Override
  public synchronized void close() {
    closed = true;
    timer.shutdownNow();
    tracker.setTransitionListener(null);
    tracker.setExpectationListener(null);
    JChannel ch = channel;
    if (ch != null) {
      ch.close();
    }
  }
}
