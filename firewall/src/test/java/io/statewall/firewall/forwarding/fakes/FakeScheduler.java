package io.statewall.firewall.forwarding.fakes;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.AbstractExecutorService;
import java.util.concurrent.Callable;
import java.util.concurrent.Delayed;
import java.util.concurrent.FutureTask;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/** A scheduler that runs nothing by itself: tests run the recorded tasks when they choose. */
public final class FakeScheduler extends AbstractExecutorService implements ScheduledExecutorService {

  private final List<Runnable> tasks = new ArrayList<>();

  public void runAll() {
    List.copyOf(tasks).forEach(Runnable::run);
  }

  private static final class Scheduled<V> extends FutureTask<V> implements ScheduledFuture<V> {
    Scheduled(Callable<V> c) {
      super(c);
    }

    @Override
    public long getDelay(TimeUnit unit) {
      return 0;
    }

    @Override
    public int compareTo(Delayed o) {
      return 0;
    }
  }

  private <V> ScheduledFuture<V> record(Callable<V> c) {
    Scheduled<V> f = new Scheduled<>(c);
    tasks.add(() -> {
      try {
        c.call();
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    });
    return f;
  }

  @Override
  public ScheduledFuture<?> schedule(Runnable command, long delay, TimeUnit unit) {
    return record(() -> { command.run(); return null; });
  }

  @Override
  public <V> ScheduledFuture<V> schedule(Callable<V> callable, long delay, TimeUnit unit) {
    return record(callable);
  }

  @Override
  public ScheduledFuture<?> scheduleAtFixedRate(Runnable command, long initialDelay, long period,
      TimeUnit unit) {
    return record(() -> { command.run(); return null; });
  }

  @Override
  public ScheduledFuture<?> scheduleWithFixedDelay(Runnable command, long initialDelay, long delay,
      TimeUnit unit) {
    return record(() -> { command.run(); return null; });
  }

  @Override
  public void execute(Runnable command) {
    command.run();
  }

  @Override
  public void shutdown() {}

  @Override
  public List<Runnable> shutdownNow() {
    return List.of();
  }

  @Override
  public boolean isShutdown() {
    return false;
  }

  @Override
  public boolean isTerminated() {
    return false;
  }

  @Override
  public boolean awaitTermination(long timeout, TimeUnit unit) {
    return true;
  }
}
