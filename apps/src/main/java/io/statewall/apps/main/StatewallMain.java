package io.statewall.apps.main;

import io.statewall.apps.bench.BenchCommand;
import io.statewall.apps.demo.DemoCommand;
import io.statewall.apps.policy.PolicyCommand;
import io.statewall.controller.launch.StatewallCli;

/** The process's entry point: the command line with this build's apps and subcommands. */
public final class StatewallMain {
  private StatewallMain() {}

  public static void main(String[] args) {
    int code = StatewallCli.execute(args, new FirewallAssembler(), new PolicyCommand(),
        new BenchCommand(InProcessFirewall::new), new DemoCommand());
    if (code != 0 || !isServer(args)) {
      System.exit(code);
    }
  }

  /** {@code run} returns once the controller has shut down; its shutdown hook owns the exit. */
  private static boolean isServer(String[] args) {
    return args.length > 0 && args[0].equals("run");
  }
}
