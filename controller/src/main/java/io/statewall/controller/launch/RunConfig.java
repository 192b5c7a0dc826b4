package io.statewall.controller.launch;

import java.nio.file.Path;

/** {@code run --config FILE} for other commands: what `statewall config check` checks. */
public final class RunConfig {
  private RunConfig() {}

  /**
   * The options {@code run --config file} would run with and no other argument, checked as {@code run}
   * checks them (keys, values, the policy file's YAML); the policy's rules are the caller's to load.
   */
  public static RunOptions resolve(Path file) throws UserError {
    return RunCommand.resolve(file);
  }
}
