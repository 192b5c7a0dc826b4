package io.statewall.controller.logging;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.helpers.FormattingTuple;
import org.slf4j.helpers.MessageFormatter;

/**
 * A log that a peer cannot turn into an amplifier: of the events that share a message format, the
 * first in each window is written, the rest are counted, and the next one written after the window
 * says how many were left out ("... (1234 more like this in 10 s)"). Keys are format strings, which are
 * constants in the code, so the set of windows stays small. Thread-safe.
 */
public final class RateLimitedLog {
  /** The window of {@link #warn(Logger)} and friends. */
  public static final Duration WINDOW = Duration.ofSeconds(10);

  /** Where a written line goes: a logger level, or a list in tests. */
  @FunctionalInterface
  public interface Sink {
    void write(String line, Throwable cause);
  }

  private static final class Window {
    long startNanos;
    long suppressed;
    boolean open;
  }

  private final Sink sink;
  private final long windowNanos;
  private final String windowText;
  private final LongSupplier nanoClock;
  private final Map<String, Window> windows = new ConcurrentHashMap<>();

  public RateLimitedLog(Sink sink, Duration window, LongSupplier nanoClock) {
    if (window.isNegative() || window.isZero()) {
      throw new IllegalArgumentException("window must be positive: " + window);
    }
    this.sink = sink;
    this.windowNanos = window.toNanos();
    this.windowText = window.toMillis() % 1000 == 0 ? window.toSeconds() + " s" : window.toMillis() + " ms";
    this.nanoClock = nanoClock;
  }

  public static RateLimitedLog warn(Logger logger) {
    return new RateLimitedLog(logger::warn, WINDOW, System::nanoTime);
  }

  public static RateLimitedLog info(Logger logger) {
    return new RateLimitedLog(logger::info, WINDOW, System::nanoTime);
  }

  public static RateLimitedLog error(Logger logger) {
    return new RateLimitedLog(logger::error, WINDOW, System::nanoTime);
  }

  /**
   * Logs {@code format} (SLF4J's {} placeholders; a trailing Throwable argument is the cause) unless
   * one like it was written less than a window ago; returns whether it was written.
   */
  public boolean log(String format, Object... args) {
    long now = nanoClock.getAsLong();
    Window w = windows.computeIfAbsent(format, k -> new Window());
    long suppressed;
    synchronized (w) {
      if (w.open && now - w.startNanos < windowNanos) {
        w.suppressed++;
        return false;
      }
      suppressed = w.suppressed;
      w.open = true;
      w.startNanos = now;
      w.suppressed = 0;
    }
    FormattingTuple line = MessageFormatter.arrayFormat(format, args);
    String text = suppressed == 0 ? line.getMessage()
        : line.getMessage() + " (" + suppressed + " more like this in " + windowText + ")";
    sink.write(text, line.getThrowable());
    return true;
  }

  /** Events left out since the last line of {@code format} was written. */
  public long suppressed(String format) {
    Window w = windows.get(format);
    if (w == null) {
      return 0;
    }
    synchronized (w) {
      return w.suppressed;
    }
  }
}
