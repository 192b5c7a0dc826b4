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
 */
public final class SwitchReadiness implements App {
  private static final Logger LOG = LoggerFactory.getLogger(SwitchReadiness.class);
  static final long COALESCE_MS = 50;
  static final long RETRY_MS = 1_000;

  private final ClusterMember member;
  private final TreeSet<Long> connected = new TreeSet<>();
  private ScheduledExecutorService scheduler;
  private boolean queued;

  public SwitchReadiness(ClusterMember member) {
    this.member = member;
  }

  @Override
  public String name() {
    return "cluster-readiness";
  }

  @Override
  public void start(AppContext context) {
    scheduler = context.scheduler();
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
    schedule(0); // ready with no switches yet: the member is known to the cluster from the start
  }

  private synchronized void changed(long dpid, boolean up) {
    if (up ? connected.add(dpid) : connected.remove(dpid)) {
      schedule(COALESCE_MS);
    }
  }

  private synchronized void schedule(long delayMs) {
    if (!queued) {
      queued = true;
      scheduler.schedule(this::commit, delayMs, TimeUnit.MILLISECONDS);
    }
  }

  private void commit() {
    Set<Long> now;
    synchronized (this) {
      queued = false;
      now = Set.copyOf(connected);
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
