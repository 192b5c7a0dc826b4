package io.statewall.apps.main;

import io.statewall.bench.BenchCommand;
import io.statewall.controller.launch.StatewallCli;
import io.statewall.operator.cli.ConntrackCommand;
import io.statewall.operator.cli.NetworkCommands;
import io.statewall.operator.cli.PolicyCommand;
import io.statewall.operator.cli.TraceCommand;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** The process's entry point: the command line with this build's apps and subcommands. */
public final class StatewallMain {
  private StatewallMain() {}

  public static void main(String[] args) {
    exit(args, StatewallCli.execute(args, new FirewallAssembler(), subcommands().toArray()));
  }

  /**
   * Every subcommand of the runtime jar. The demo's jar ({@code demo/}) adds {@code demo} to these:
   * the runtime jar carries no test harness.
   */
  public static List<Object> subcommands(Object... more) {
    List<Object> all = new ArrayList<>(List.of(new PolicyCommand(), new BenchCommand(InProcessFirewall::new),
        // the operator's commands: they talk to a running controller's API
        new ConntrackCommand(), new TraceCommand(), new NetworkCommands.Switches(), new NetworkCommands.Links(),
        new NetworkCommands.Hosts()));
    all.addAll(Arrays.asList(more));
    return all;
  }

  /** {@code run} returns once the controller has shut down; its shutdown hook owns the exit. */
  public static void exit(String[] args, int code) {
    if (code != 0 || args.length == 0 || !args[0].equals("run")) {
      System.exit(code);
    }
  }
}
