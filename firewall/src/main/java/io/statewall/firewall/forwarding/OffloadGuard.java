package io.statewall.firewall.forwarding;

import java.util.function.BooleanSupplier;

/**
 * What stands between a verdict and its offload: writes a connection's entries only if the verdict
 * still holds when they are written (no policy swap in between that no longer carries it, the
 * connection not deleted or expired meanwhile), so that no entry is left that nothing would delete.
 */
@FunctionalInterface
public interface OffloadGuard {
  /** Runs {@code write} (which writes the entries, true when it did) if the verdict holds; whether it wrote. */
  boolean offload(BooleanSupplier write);

  /** For deciders without state (tests, an open policy): always writes. */
  OffloadGuard ALWAYS = BooleanSupplier::getAsBoolean;
}
