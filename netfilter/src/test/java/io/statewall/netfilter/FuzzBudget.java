package io.statewall.netfilter;

import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.time.Duration;
import org.junit.jupiter.api.function.Executable;

/** How long fuzz tests run: a fuzzing session (JAZZER_FUZZ=1), and one input when replaying seeds. */
public final class FuzzBudget {
  /** Jazzer takes the session length from the annotation only; docs/fuzzing.md says how to fuzz longer. */
  public static final String SESSION = "3m";

  /** Far above any input's real cost: only a hang reaches it. */
  private static final Duration ONE_INPUT = Duration.ofSeconds(10);

  private FuzzBudget() {}

  /**
   * Runs one input, failing it if it hangs. A JUnit {@code @Timeout} would cut the whole fuzzing session
   * (one JUnit invocation), so seeds are bounded here and fuzzing relies on libFuzzer's -timeout.
   */
  public static void bounded(Executable input) throws Throwable {
    String fuzz = System.getenv("JAZZER_FUZZ");
    if (fuzz != null && !fuzz.isEmpty()) {
      input.execute();
    } else {
      assertTimeoutPreemptively(ONE_INPUT, input);
    }
  }
}
