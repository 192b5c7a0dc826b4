package io.statewall.demo;

import io.statewall.apps.main.FirewallAssembler;
import io.statewall.apps.main.StatewallMain;
import io.statewall.controller.launch.StatewallCli;

/** The demo jar's entry point: the runtime's command line plus {@code demo}. */
public final class DemoMain {
  private DemoMain() {}

  public static void main(String[] args) {
    StatewallMain.exit(args,
        StatewallCli.execute(args, new FirewallAssembler(), StatewallMain.subcommands(new DemoCommand()).toArray()));
  }
}
