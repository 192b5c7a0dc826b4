package io.statewall.netfilter.policy;

import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The running policy, replaced whole and atomically: an evaluation that has read {@link #current()}
 * finishes on that policy; the next one sees the new policy. A failed reload keeps the running one.
 */
public final class PolicyHolder {
  private final AtomicReference<Policy> current;

  public PolicyHolder(Policy initial) {
    this.current = new AtomicReference<>(initial);
  }

  public Policy current() {
    return current.get();
  }

  /** Installs {@code next} and returns the policy it replaced. */
  public Policy replace(Policy next) {
    if (next == null) {
      throw new IllegalArgumentException("policy must not be null");
    }
    return current.getAndSet(next);
  }

  /** Loads {@code file} and installs it; on any error the running policy stays and the error is thrown. */
  public Policy reload(Path file, PolicyLoader loader) throws PolicyException {
    Policy next = loader.load(file);
    replace(next);
    return next;
  }
}
