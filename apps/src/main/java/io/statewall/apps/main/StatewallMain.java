package io.statewall.apps.main;

import io.statewall.apps.bench.BenchCommand;
import io.statewall.apps.demo.DemoCommand;
import io.statewall.apps.cli.ConntrackCommand;
import io.statewall.apps.cli.NetworkCommands;
import io.statewall.apps.cli.TraceCommand;
import io.statewall.apps.policy.PolicyCommand;
import io.statewall.controller.launch.StatewallCli;

/** The process's entry point: the command line with this build's apps and subcommands. */
public final class StatewallMain {
  private StatewallMain() {}

  public static void main(String[] args) {
    int code = StatewallCli.execute(args, new FirewallAssembler(), new PolicyCommand(),
        new BenchCommand(InProcessFirewall::new), new DemoCommand(),
        // the operator's commands: they talk to a running controller's API
        new ConntrackCommand(), new TraceCommand(), new NetworkCommands.Switches(), new NetworkCommands.Links(),
        new NetworkCommands.Hosts());
    if (code != 0 || !isServer(args)) {
      System.exit(code);
    }
  }

  /** {@code run} returns once the controller has shut down; its shutdown hook owns the exit. */
  private static boolean isServer(String[] args) {
    return args.length > 0 && args[0].equals("run");
  }
}
