package io.statewall.apps.main;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The cross-switch relay's bound on what waits for other members, per kind. */
class PendingBoundTest {
  @Test
  void pastTheBoundAKindIsRefusedAndCountedWhileTheOthersStillGo() {
    PendingBound b = new PendingBound(3, 2);

    assertThat(b.tryAdd(1)).isTrue();
    assertThat(b.tryAdd(1)).isTrue();
    assertThat(b.tryAdd(1)).as("a third write waiting").isFalse();
    assertThat(b.tryAdd(2)).as("packet-ins have their own bound").isTrue();
    assertThat(b.waiting(1)).isEqualTo(2);
    assertThat(b.refused(1)).isEqualTo(1);
    assertThat(b.refused(2)).isZero();

    b.removed(1);
    assertThat(b.tryAdd(1)).as("room again once one is sent").isTrue();
    assertThat(b.waiting(1)).isEqualTo(2);
  }

  @Test
  void concurrentProducersNeverLeaveMoreWaitingThanTheBound() throws Exception {
    PendingBound b = new PendingBound(1, 1_000);
    Thread[] producers = new Thread[4];
    for (int t = 0; t < producers.length; t++) {
      producers[t] = new Thread(() -> {
        for (int i = 0; i < 10_000; i++) {
          b.tryAdd(1);
        }
      });
      producers[t].start();
    }
    for (Thread t : producers) {
      t.join();
    }
    assertThat(b.waiting(1)).isEqualTo(1_000);
    assertThat(b.refused(1)).isEqualTo(40_000 - 1_000);
  }
}
