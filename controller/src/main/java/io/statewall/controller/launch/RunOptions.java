package io.statewall.controller.launch;

import io.statewall.controller.ControllerConfig;
import java.nio.file.Path;
import java.util.Objects;

/**
 * What `statewall run` was asked to do, parsed and checked.
 *
 * @param policy the policy file (YAML), readable
 * @param controller listen address, TLS and timers for the controller
 * @param api the operator's HTTP API: address, token, TLS (the apps side that serves it checks them)
 * @param limits conntrack size, packet-in and flow-mod rates
 */
public record RunOptions(Path policy, ControllerConfig controller, ApiConfig api, RunLimits limits) {
  public RunOptions {
    Objects.requireNonNull(policy, "policy");
    Objects.requireNonNull(controller, "controller");
    Objects.requireNonNull(api, "api");
    Objects.requireNonNull(limits, "limits");
  }

  public RunOptions(Path policy, ControllerConfig controller, ApiConfig api) {
    this(policy, controller, api, RunLimits.DEFAULTS);
  }

  public RunOptions(Path policy, ControllerConfig controller) {
    this(policy, controller, ApiConfig.DEFAULT);
  }
}
