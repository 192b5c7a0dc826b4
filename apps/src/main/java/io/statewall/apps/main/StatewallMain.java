package io.statewall.apps.main;

import io.statewall.bench.BenchCommand;
import io.statewall.controller.app.App;
import io.statewall.controller.launch.AppAssembler;
import io.statewall.controller.launch.RunOptions;
import io.statewall.controller.launch.UserError;
import io.statewall.controller.roles.WriteFence;
import io.statewall.controller.launch.StatewallCli;
import io.statewall.operator.cli.ClusterCommand;
import io.statewall.operator.cli.ConntrackCommand;
import io.statewall.operator.cli.NetworkCommands;
import io.statewall.operator.cli.PolicyCommand;
import io.statewall.operator.cli.TraceCommand;
import io.statewall.operator.cli.UiCommand;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/** The process's entry point: the command line with this build's apps and subcommands. */
public final class StatewallMain {
  private StatewallMain() {}

  public static void main(String[] args) {
    launch(args, subcommands().toArray());
  }

  /**
   * Runs the command line with {@code run}'s composition root and {@code subcommands}, then exits.
   * {@code run} logs as its options say; every other command prints its own output, with only
   * warnings and errors logged (the demo sends its log to a file: {@code DemoCommand}).
   */
  public static void launch(String[] args, Object... subcommands) {
    FirewallAssembler firewall = new FirewallAssembler();
    AppAssembler run = new AppAssembler() {
      @Override
      public List<App> assemble(RunOptions options) throws UserError {
        Logging.forRun(options.logFormat());
        return firewall.assemble(options);
      }

      @Override
      public Optional<WriteFence> fence() {
        return firewall.fence();
      }
    };
    if (args.length == 0 || !args[0].equals("run")) {
      Logging.quiet();
    }
    exit(args, StatewallCli.execute(args, run, subcommands));
  }

  /**
   * Every subcommand of the runtime jar. The demo's jar ({@code demo/}) adds {@code demo} to these:
   * the runtime jar carries no test harness.
   */
  public static List<Object> subcommands(Object... more) {
    List<Object> all = new ArrayList<>(List.of(new PolicyCommand(), new ConfigCommand(), new GenerateCommand(),
        new BenchCommand(InProcessFirewall::new),
        // the operator's commands: they talk to a running controller's API
        new ConntrackCommand(), new TraceCommand(), new NetworkCommands.Switches(), new NetworkCommands.Links(),
        new NetworkCommands.Hosts(), new ClusterCommand(), new UiCommand()));
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
