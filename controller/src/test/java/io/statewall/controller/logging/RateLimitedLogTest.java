package io.statewall.controller.logging;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class RateLimitedLogTest {
  private final List<String> lines = new ArrayList<>();
  private final List<Throwable> causes = new ArrayList<>();
  private long now = 1_000;
  private final RateLimitedLog log = new RateLimitedLog((line, cause) -> {
    lines.add(line);
    causes.add(cause);
  }, Duration.ofSeconds(10), () -> now);

  @Test
  void aMillionEventsInOneWindowWriteOneLine() {
    for (int i = 0; i < 1_000_000; i++) {
      log.log("switch {}: connection error: {}", "s1", "Connection reset by peer");
    }

    assertThat(lines).containsExactly("switch s1: connection error: Connection reset by peer");
    assertThat(log.suppressed("switch {}: connection error: {}")).isEqualTo(999_999);
  }

  @Test
  void theFirstLineAfterTheWindowSaysHowManyWereLeftOut() {
    for (int i = 0; i < 5; i++) {
      log.log("write failed on {}", i);
    }
    now += Duration.ofSeconds(10).toNanos();
    log.log("write failed on {}", 99);
    log.log("write failed on {}", 100);

    assertThat(lines).containsExactly("write failed on 0", "write failed on 99 (4 more like this in 10 s)");
  }

  @Test
  void differentMessagesHaveTheirOwnWindows() {
    log.log("a {}", 1);
    log.log("b {}", 1);
    log.log("a {}", 2);

    assertThat(lines).containsExactly("a 1", "b 1");
  }

  @Test
  void aTrailingThrowableIsTheCause() {
    IOException e = new IOException("reset");
    log.log("failed on {}", "s1", e);

    assertThat(lines).containsExactly("failed on s1");
    assertThat(causes).containsExactly(e);
  }
}
