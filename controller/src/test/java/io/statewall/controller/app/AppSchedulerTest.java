package io.statewall.controller.app;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class AppSchedulerTest {
  @Test
  void tasksRunOnOneThreadAndAFailingTaskDoesNotStopTheNext() throws Exception {
    AppScheduler scheduler = new AppScheduler();
    try {
      AtomicReference<String> first = new AtomicReference<>();
      AtomicReference<String> second = new AtomicReference<>();
      CountDownLatch done = new CountDownLatch(1);
      scheduler.execute(() -> first.set(Thread.currentThread().getName()));
      scheduler.schedule(() -> {
        throw new IllegalStateException("app bug");
      }, 1, TimeUnit.MILLISECONDS);
      scheduler.schedule(() -> {
        second.set(Thread.currentThread().getName());
        done.countDown();
      }, 5, TimeUnit.MILLISECONDS);

      assertThat(done.await(5, TimeUnit.SECONDS)).isTrue();
      assertThat(first.get()).startsWith("statewall-apps").isEqualTo(second.get());
    } finally {
      scheduler.shutdownNow();
    }
  }

  /** A clock the test moves. */
  static final class ManualClock extends java.time.Clock {
    final java.util.concurrent.atomic.AtomicLong millis = new java.util.concurrent.atomic.AtomicLong(1_000_000);

    @Override
    public java.time.ZoneId getZone() {
      return java.time.ZoneOffset.UTC;
    }

    @Override
    public java.time.Clock withZone(java.time.ZoneId zone) {
      return this;
    }

    @Override
    public java.time.Instant instant() {
      return java.time.Instant.ofEpochMilli(millis.get());
    }
  }

  @Test
  void aPeriodicTaskThatDiedOrIsStuckIsUnhealthyAndACancelledOneIsGone() throws Exception {
    ManualClock clock = new ManualClock();
    AppScheduler scheduler = new AppScheduler(clock);
    try {
      CountDownLatch ran = new CountDownLatch(2);
      CountDownLatch release = new CountDownLatch(1);
      scheduler.scheduleWithFixedDelay(AppScheduler.named("dies", () -> {
        throw new StackOverflowError("app bug");
      }), 0, 1, TimeUnit.MILLISECONDS);
      var stuck = scheduler.scheduleWithFixedDelay(AppScheduler.named("stuck", () -> {
        ran.countDown();
        try {
          release.await();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }), 0, 1, TimeUnit.SECONDS);
      scheduler.scheduleAtFixedRate(() -> { }, 1, 1, TimeUnit.HOURS);
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while (scheduler.health().stream().noneMatch(h -> h.failure() != null) && System.nanoTime() < deadline) {
        Thread.sleep(5);
      }
      assertThat(scheduler.health()).extracting(TaskHealth::name)
          .containsExactly("dies", "stuck", "AppSchedulerTest");
      assertThat(scheduler.health().get(0).failure()).contains("StackOverflowError");
      assertThat(scheduler.health().get(1).healthy()).as("stuck, but not for long yet").isTrue();
      clock.millis.addAndGet(AppScheduler.MIN_GRACE_MILLIS + 2_000);
      assertThat(scheduler.health().get(1).overdue()).as("stuck well past its period").isTrue();
      release.countDown();
      stuck.cancel(false);
      assertThat(scheduler.health()).extracting(TaskHealth::name).containsExactly("dies", "AppSchedulerTest");
    } finally {
      scheduler.shutdownNow();
    }
  }
}
