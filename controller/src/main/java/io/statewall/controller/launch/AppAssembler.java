package io.statewall.controller.launch;

import io.statewall.controller.app.App;
import io.statewall.controller.roles.WriteFence;
import java.util.List;
import java.util.Optional;

/** The composition root's hook: builds the apps `statewall run` starts, from its options. */
@FunctionalInterface
public interface AppAssembler {
  /** Throws {@link UserError} for problems the user can fix, such as a policy that does not load. */
  List<App> assemble(RunOptions options) throws UserError;

  /**
   * The write fence of the apps the last {@link #assemble} built, when they are a cluster member's: the
   * controller then lets apps change a switch only where the switch confirmed this member master. Empty
   * (the default) for one controller on its own.
   */
  default Optional<WriteFence> fence() {
    return Optional.empty();
  }
}
