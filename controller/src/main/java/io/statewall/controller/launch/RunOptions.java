package io.statewall.controller.launch;

import io.statewall.controller.ControllerConfig;
import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;

/**
 * What `statewall run` was asked to do, parsed and checked.
 *
 * @param policy the policy file (YAML), readable
 * @param controller listen address, TLS and timers for the controller
 * @param api the operator's HTTP API: address, token, TLS (the apps side that serves it checks them)
 * @param limits conntrack size, packet-in and flow-mod rates
 * @param logFormat how the process logs (the composition root sets its logging up from it)
 * @param cluster the controller cluster this process is a member of, or empty for one controller on its own
 */
public record RunOptions(Path policy, ControllerConfig controller, ApiConfig api, RunLimits limits,
    LogFormat logFormat, Optional<ClusterOptions> cluster) {
  public RunOptions {
    Objects.requireNonNull(policy, "policy");
    Objects.requireNonNull(controller, "controller");
    Objects.requireNonNull(api, "api");
    Objects.requireNonNull(limits, "limits");
    Objects.requireNonNull(logFormat, "logFormat");
    Objects.requireNonNull(cluster, "cluster");
  }

  public RunOptions(Path policy, ControllerConfig controller, ApiConfig api, RunLimits limits,
      LogFormat logFormat) {
    this(policy, controller, api, limits, logFormat, Optional.empty());
  }

  public RunOptions(Path policy, ControllerConfig controller, ApiConfig api, RunLimits limits) {
    this(policy, controller, api, limits, LogFormat.TEXT);
  }

  public RunOptions(Path policy, ControllerConfig controller, ApiConfig api) {
    this(policy, controller, api, RunLimits.DEFAULTS);
  }

  public RunOptions(Path policy, ControllerConfig controller) {
    this(policy, controller, ApiConfig.DEFAULT);
  }
}
