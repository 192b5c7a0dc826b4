package io.statewall.controller.app;

import io.netty.util.concurrent.DefaultThreadFactory;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The apps' single timer thread, apart from the switch event loops. A task that throws is logged (a plain
 * scheduled executor would keep the exception in a future nobody reads, and silently stop a periodic task).
 */
public final class AppScheduler extends ScheduledThreadPoolExecutor {
  private static final Logger LOG = LoggerFactory.getLogger(AppScheduler.class);

  public AppScheduler() {
    super(1, new DefaultThreadFactory("statewall-apps", true));
    setRemoveOnCancelPolicy(true);
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
      LOG.error("a scheduled app task failed (a periodic one will not run again)", thrown);
    }
  }
}
