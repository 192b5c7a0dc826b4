package io.statewall.controller.launch;

import io.statewall.controller.ControllerConfig;
import java.nio.file.Path;
import java.util.Objects;

/**
 * What `statewall run` was asked to do, parsed and checked.
 *
 * @param policy the policy file (YAML), readable
 * @param controller listen address, TLS and timers for the controller
 * @param api where the operator's HTTP API listens: HOST:PORT, or "off" (the apps side checks it)
 * @param apiTokenFile file holding the API's bearer token, or null
 */
public record RunOptions(Path policy, ControllerConfig controller, String api, Path apiTokenFile) {
  /** The API's default address: loopback only, so no token is needed. */
  public static final String DEFAULT_API = "127.0.0.1:8080";

  public RunOptions {
    Objects.requireNonNull(policy, "policy");
    Objects.requireNonNull(controller, "controller");
    Objects.requireNonNull(api, "api");
  }

  public RunOptions(Path policy, ControllerConfig controller) {
    this(policy, controller, DEFAULT_API, null);
  }
}
