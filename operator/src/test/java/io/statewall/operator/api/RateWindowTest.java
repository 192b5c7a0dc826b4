package io.statewall.operator.api;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class RateWindowTest {
  private static final long MS = 1_000_000L;

  @ParameterizedTest(name = "{0}: {1} events {2} ms apart -> {3} admitted, {4} refused")
  @CsvSource({
      "under the limit all pass,           3, 10, 3, 0",
      "over the limit in one second,       8, 1,  5, 3",
      "a new second admits again,          8, 300, 8, 0",
      "exactly at the limit nothing lost,  5, 0,  5, 0",
  })
  void admitsAtMostTheLimitASecond(String name, int events, long gapMillis, int admitted, int refused) {
    RateWindow w = new RateWindow(5);
    int in = 0;
    for (int i = 0; i < events; i++) {
      in += w.admit(1_000 * MS + i * gapMillis * MS) ? 1 : 0;
    }
    assertThat(in).isEqualTo(admitted);
    assertThat(w.takeRefused()).isEqualTo(refused);
    assertThat(w.takeRefused()).isZero();
  }
}
