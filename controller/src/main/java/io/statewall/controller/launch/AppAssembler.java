package io.statewall.controller.launch;

import io.statewall.controller.app.App;
import java.util.List;

/** The composition root's hook: builds the apps `statewall run` starts, from its options. */
@FunctionalInterface
public interface AppAssembler {
  /** Throws {@link UserError} for problems the user can fix, such as a policy that does not load. */
  List<App> assemble(RunOptions options) throws UserError;
}
