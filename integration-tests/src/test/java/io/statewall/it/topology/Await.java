package io.statewall.it.topology;

import java.time.Duration;
import java.util.Optional;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/** Polls a condition until it holds or a deadline passes: the tests' only way of waiting. */
public final class Await {

  /** Short enough to measure reroutes in tens of milliseconds, long enough not to spin a core. */
  private static final long POLL_MILLIS = 10;

  private Await() {}

  /** Returns how long it took; throws naming {@code what} if {@code condition} never held. */
  public static Duration until(String what, Duration timeout, BooleanSupplier condition) {
    return value(what, timeout, () -> condition.getAsBoolean() ? Optional.of(true) : Optional.empty())
        .took();
  }

  /** The first present value of {@code probe}, and when it came. */
  public static <T> Timed<T> value(String what, Duration timeout, Supplier<Optional<T>> probe) {
    long start = System.nanoTime();
    long deadline = start + timeout.toNanos();
    while (true) {
      Optional<T> v = probe.get();
      long now = System.nanoTime();
      if (v.isPresent()) {
        return new Timed<>(v.get(), now, Duration.ofNanos(now - start));
      }
      if (now > deadline) {
        throw new AssertionError("timed out after " + timeout + " waiting for " + what);
      }
      try {
        Thread.sleep(POLL_MILLIS); // polling state that offers no event to wait on
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError("interrupted while waiting for " + what, e);
      }
    }
  }

  /** A value found by {@link #value}: when ({@link System#nanoTime()}) and after how long. */
  public record Timed<T>(T value, long atNanos, Duration took) {}
}
