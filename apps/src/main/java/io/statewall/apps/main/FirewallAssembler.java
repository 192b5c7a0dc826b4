package io.statewall.apps.main;

import io.statewall.apps.policy.Policy;
import io.statewall.apps.policy.PolicyException;
import io.statewall.apps.policy.PolicyLoader;
import io.statewall.controller.app.App;
import io.statewall.controller.launch.AppAssembler;
import io.statewall.controller.launch.RunOptions;
import io.statewall.controller.launch.UserError;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The composition root of {@code run}: loads the policy and builds every app of the process. */
final class FirewallAssembler implements AppAssembler {
  private static final Logger log = LoggerFactory.getLogger(FirewallAssembler.class);

  @Override
  public List<App> assemble(RunOptions options) throws UserError {
    Policy policy;
    try {
      policy = new PolicyLoader().load(options.policy());
    } catch (PolicyException e) {
      throw new UserError(e.getMessage());
    }
    policy.warnings().forEach(w -> log.warn("{}", w));
    return List.of();
  }
}
