package io.statewall.apps.main;

import io.statewall.controller.app.App;
import io.statewall.controller.launch.AppAssembler;
import io.statewall.controller.launch.RunOptions;
import java.util.List;

/** The composition root of {@code run}: builds every app of the process from the run options. */
final class FirewallAssembler implements AppAssembler {
  @Override
  public List<App> assemble(RunOptions options) {
    return List.of();
  }
}
