package io.statewall.cluster;

import io.statewall.controller.app.App;
import io.statewall.controller.app.AppContext;
import io.statewall.controller.app.SwitchListener;
import io.statewall.controller.switches.SwitchHandle;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Tells the cluster which switches are connected to this member: after each change (a switch ready or
 * gone), a Ready with the whole set is committed, coalesced over a short delay so that a hundred
 * switches connecting at once make one entry, not a hundred. A failed commit is retried on the next
 * change or after {@link #RETRY_MS}.
 *
 * <p>A member may have to earn its readiness first (compile the committed policy): then it declares
 * nothing until {@link #allow}, and {@link #withhold} takes it out of the ready members (a Leave), so it
 * is master of nothing until it is allowed again.
 */
public final class SwitchReadiness implements App {
  private static final Logger LOG = LoggerFactory.getLogger(SwitchReadiness.class);
  static final long COALESCE_MS = 50;
  static final long RETRY_MS = 1_000;
  /**
   * How long a member holds back a switch it has never declared and that nobody masters yet, per member
   * that weighs more than itself for that switch among the ready ones (rendezvous order): the winner
   * declares at once, the second after this, the third after twice this. The winner, reaching it too,
   * gets it, so a cluster starting with its switches places them by the hash rather than by whose Ready
   * the leader happened to commit first (the leader's rebalance would move them later, under load:
   * docs/cluster.md, "Placement"); a switch the winner does not reach goes to the next one a moment later.
   */
  static final long DEFER_MS = 300;

  private final ClusterMember member;
  private final TreeSet<Long> connected = new TreeSet<>();
  private ScheduledExecutorService scheduler;
  private boolean queued;
  /** When the queued commit runs (System.nanoTime), if one is queued. */
  private long queuedAt;
  /** Whether this member may declare itself ready now. */
  private boolean allowed;
  /** Whether its last commit (or the one in flight) declared it ready. */
  private boolean declared;
  /** Every switch this member has declared: one it comes back to is declared at once. */
  private final Set<Long> everDeclared = new TreeSet<>();
  /** Switches held back ({@link #DEFER_MS}), with when they were first held back (System.nanoTime). */
  private final java.util.Map<Long, Long> deferredSince = new java.util.HashMap<>();

  /** Ready from the start, with whatever switches connect. */
  public SwitchReadiness(ClusterMember member) {
    this(member, true);
  }

  /** {@code allowedAtStart} false: nothing is declared until {@link #allow()}. */
  public SwitchReadiness(ClusterMember member, boolean allowedAtStart) {
    this.member = member;
    this.allowed = allowedAtStart;
  }

  /** Lets this member be ready (again): its switches are declared soon. */
  public synchronized void allow() {
    if (!allowed) {
      allowed = true;
      schedule(0);
    }
  }

  /** Takes this member out of the ready members (it commits its leave): it is master of nothing. */
  public synchronized void withhold() {
    if (allowed) {
      allowed = false;
      schedule(0);
    }
  }

  /** Whether this member may be ready now (it may not have committed that yet). */
  public synchronized boolean allowed() {
    return allowed;
  }

  @Override
  public String name() {
    return "cluster-readiness";
  }

  @Override
  public void start(AppContext context) {
    synchronized (this) {
      scheduler = context.scheduler();
    }
    context.addSwitchListener(Integer.MIN_VALUE + 1, new SwitchListener() {
      @Override
      public void switchReady(SwitchHandle sw) {
        changed(sw.id().getLong(), true);
      }

      @Override
      public void switchDisconnected(SwitchHandle sw) {
        changed(sw.id().getLong(), false);
      }
    });
    // a held-back switch is declared as soon as its winner is its master: from then on this member is a
    // standby for it (an heir, if the master dies), not only once its hold-back ends
    member.addListener(new ClusterListener() {
      @Override
      public void mastershipChanged(long dpid, Mastership before, Mastership after) {
        placed(dpid, after);
      }
    });
    schedule(0); // ready with no switches yet: the member is known to the cluster from the start
  }

  private synchronized void placed(long dpid, Mastership after) {
    if (after.master().isPresent() && deferredSince.containsKey(dpid)) {
      schedule(0);
    }
  }

  synchronized void changed(long dpid, boolean up) {
    if (up ? connected.add(dpid) : connected.remove(dpid)) {
      schedule(COALESCE_MS);
    }
  }

  /**
   * {@code connected} less the switches to hold back now ({@link #DEFER_MS}); schedules the next commit
   * for when the first of those is due. Caller holds the lock.
   */
  private Set<Long> withoutDeferred(Set<Long> connected) {
    deferredSince.keySet().retainAll(connected);
    MastershipStateMachine.View view = member.state().view();
    boolean network = view.placement().filter(p -> p == Placement.NETWORK).isPresent();
    TreeSet<String> candidates = new TreeSet<>(view.ready().keySet());
    candidates.add(member.id());
    long nanos = System.nanoTime();
    long due = Long.MAX_VALUE;
    TreeSet<Long> out = new TreeSet<>();
    for (long dpid : connected) {
      int ahead = everDeclared.contains(dpid) || view.mastership(dpid).master().isPresent() ? 0
          : Rendezvous.rank(network ? 0 : dpid, member.id(), candidates);
      if (ahead == 0) {
        out.add(dpid);
        continue;
      }
      long left = ahead * DEFER_MS
          - TimeUnit.NANOSECONDS.toMillis(nanos - deferredSince.computeIfAbsent(dpid, d -> nanos));
      if (left <= 0) {
        out.add(dpid);
      } else {
        due = Math.min(due, left);
      }
    }
    out.forEach(deferredSince::remove);
    everDeclared.addAll(out);
    if (due != Long.MAX_VALUE) {
      schedule(due);
    }
    return out;
  }

  /** Commits the switch set {@code delayMs} from now, unless a commit is queued to run by then already. */
  private synchronized void schedule(long delayMs) {
    long at = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(delayMs);
    if ((!queued || at - queuedAt < 0) && scheduler != null) {
      queued = true;
      queuedAt = at;
      scheduler.schedule(this::commit, delayMs, TimeUnit.MILLISECONDS);
    }
  }

  private void commit() {
    Set<Long> now;
    synchronized (this) {
      queued = false;
      if (!allowed) {
        if (declared) {
          declared = false;
          member.leave().whenComplete((ok, error) -> {
            if (error != null) {
              LOG.warn("member {}: could not commit its leave ({}); retrying", member.id(), error.toString());
              synchronized (this) {
                declared = true;
              }
              schedule(RETRY_MS);
            }
          });
        }
        return;
      }
      declared = true;
      now = Set.copyOf(withoutDeferred(connected));
    }
    member.ready(now).whenComplete((ok, error) -> {
      if (error != null) {
        LOG.warn("member {}: could not commit its {} switches ({}); retrying", member.id(), now.size(),
            error.toString());
        schedule(RETRY_MS);
      }
    });
  }
}
