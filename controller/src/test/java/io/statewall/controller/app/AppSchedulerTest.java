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
}
