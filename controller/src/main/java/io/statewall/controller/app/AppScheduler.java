package io.statewall.controller.app;

import io.netty.util.concurrent.DefaultThreadFactory;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The apps' single timer thread, apart from the switch event loops. A task that throws is logged (a plain
 * scheduled executor would keep the exception in a future nobody reads, and silently stop a periodic task),
 * and every periodic task's liveness is kept for {@code /healthz}: when it last ran, whether it died.
 */
public final class AppScheduler extends ScheduledThreadPoolExecutor {
  private static final Logger LOG = LoggerFactory.getLogger(AppScheduler.class);
  /** A periodic task is overdue this long past its period at least (one slow run of a neighbour is not). */
  static final long MIN_GRACE_MILLIS = 10_000;

  private final Clock clock;
  private final List<Periodic> periodic = new CopyOnWriteArrayList<>();

  public AppScheduler() {
    this(Clock.systemUTC());
  }

  /** With a clock of its own for liveness (tests). */
  public AppScheduler(Clock clock) {
    super(1, new DefaultThreadFactory("statewall-apps", true));
    this.clock = clock;
    setRemoveOnCancelPolicy(true);
  }

  /** {@code task} under a name of its own in {@link #health()}. */
  public static Runnable named(String name, Runnable task) {
    return new Named(name, task);
  }

  private record Named(String name, Runnable task) implements Runnable {
    @Override
    public void run() {
      task.run();
    }
  }

  /** One periodic task's liveness; written by the scheduler's thread, read by the API's. */
  private final class Periodic implements Runnable {
    final String name;
    final long periodMillis;
    final Runnable task;
    /** When a run is due by at the latest: scheduled start, then the last run's end plus the period. */
    volatile long dueMillis;
    volatile long lastRunMillis;
    volatile String failure;
    volatile ScheduledFuture<?> future;

    Periodic(String name, long periodMillis, long initialDelayMillis, Runnable task) {
      this.name = name;
      this.periodMillis = periodMillis;
      this.task = task;
      this.dueMillis = clock.millis() + initialDelayMillis;
    }

    @Override
    public void run() {
      try {
        task.run();
      } catch (Throwable t) {
        // rethrown: the executor stops the task, afterExecute logs it, /healthz reports it dead
        failure = t.toString();
        throw t;
      }
      lastRunMillis = clock.millis();
      dueMillis = lastRunMillis + periodMillis;
    }

    TaskHealth health(long now) {
      long grace = Math.max(MIN_GRACE_MILLIS, 2 * periodMillis);
      return new TaskHealth(name, periodMillis, lastRunMillis, failure, now - dueMillis > grace);
    }
  }

  @Override
  public ScheduledFuture<?> scheduleWithFixedDelay(Runnable command, long initialDelay, long delay, TimeUnit unit) {
    Periodic p = new Periodic(nameOf(command), unit.toMillis(delay), unit.toMillis(initialDelay), command);
    return track(p, super.scheduleWithFixedDelay(p, initialDelay, delay, unit));
  }

  @Override
  public ScheduledFuture<?> scheduleAtFixedRate(Runnable command, long initialDelay, long period, TimeUnit unit) {
    Periodic p = new Periodic(nameOf(command), unit.toMillis(period), unit.toMillis(initialDelay), command);
    return track(p, super.scheduleAtFixedRate(p, initialDelay, period, unit));
  }

  private ScheduledFuture<?> track(Periodic p, ScheduledFuture<?> f) {
    p.future = f;
    periodic.add(p);
    return f;
  }

  /** Every periodic task still scheduled or dead of an error (a cancelled one is gone). */
  public List<TaskHealth> health() {
    long now = clock.millis();
    List<TaskHealth> out = new ArrayList<>();
    for (Periodic p : periodic) {
      if (p.future != null && p.future.isCancelled()) {
        periodic.remove(p);
      } else {
        out.add(p.health(now));
      }
    }
    return out;
  }

  /** The name given with {@link #named}, else the class that made the task (a lambda's enclosing class). */
  private String nameOf(Runnable command) {
    String base;
    if (command instanceof Named n) {
      base = n.name();
    } else {
      String cls = command.getClass().getName();
      int lambda = cls.indexOf("$$");
      base = (lambda < 0 ? cls : cls.substring(0, lambda)).replaceFirst(".*\\.", "");
    }
    String name = base;
    for (int i = 2; taken(name); i++) {
      name = base + "#" + i;
    }
    return name;
  }

  private boolean taken(String name) {
    return periodic.stream().anyMatch(p -> p.name.equals(name) && (p.future == null || !p.future.isCancelled()));
  }

  @Override
  protected void afterExecute(Runnable task, Throwable thrown) {
    super.afterExecute(task, thrown);
    if (thrown == null && task instanceof Future<?> future && future.isDone()) {
      try {
        future.get();
      } catch (ExecutionException e) {
        thrown = e.getCause();
      } catch (CancellationException e) {
        return;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    if (thrown != null) {
      LOG.error("a scheduled app task failed (a periodic one will not run again; /healthz reports it)", thrown);
    }
  }
}
