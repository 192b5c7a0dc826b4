package io.statewall.controller.launch;

import io.statewall.controller.ControllerConfig;
import java.nio.file.Path;
import java.util.Objects;

/**
 * What `statewall run` was asked to do, parsed and checked.
 *
 * @param policy the policy file (YAML), readable
 * @param controller listen address, TLS and timers for the controller
 */
public record RunOptions(Path policy, ControllerConfig controller) {
  public RunOptions {
    Objects.requireNonNull(policy, "policy");
    Objects.requireNonNull(controller, "controller");
  }
}
