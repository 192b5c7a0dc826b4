package io.statewall.demo;

import io.statewall.apps.main.StatewallMain;

/** The demo jar's entry point: the runtime's command line plus {@code demo}. */
public final class DemoMain {
  private DemoMain() {}

  public static void main(String[] args) {
    StatewallMain.launch(args, StatewallMain.subcommands(new DemoCommand()).toArray());
  }
}
