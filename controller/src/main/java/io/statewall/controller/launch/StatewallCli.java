package io.statewall.controller.launch;

import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** The `statewall` command line: global --help/--version, and one subcommand per task. */
@Command(
    name = "statewall",
    mixinStandardHelpOptions = true,
    versionProvider = ManifestVersionProvider.class,
    description = "A network-wide stateful firewall: iptables rules with -m state, enforced by OpenFlow switches.",
    synopsisSubcommandLabel = "COMMAND")
public final class StatewallCli implements Runnable {
  /** Exit code for mistakes the user can fix: bad options, unreadable files. Same as picocli's usage. */
  public static final int USER_ERROR = CommandLine.ExitCode.USAGE;

  @Spec CommandSpec spec;

  private StatewallCli() {}

  @Override
  public void run() {
    throw new ParameterException(spec.commandLine(), "missing COMMAND");
  }

  /**
   * Runs the command line and returns its exit code (0 ok, 2 user error). {@code run} builds its apps
   * with {@code assembler}; each extra subcommand is a picocli {@code @Command} object.
   */
  public static int execute(String[] args, AppAssembler assembler, Object... extraSubcommands) {
    return execute(args, assembler, ShutdownHooks.JVM,
        new PrintWriter(System.out, true), new PrintWriter(System.err, true), extraSubcommands);
  }

  static int execute(String[] args, AppAssembler assembler, ShutdownHooks hooks, PrintWriter out,
      PrintWriter err, Object... extraSubcommands) {
    CommandLine cli = commandLine(assembler, hooks, out);
    for (Object sub : extraSubcommands) {
      cli.addSubcommand(sub);
    }
    cli.setOut(out);
    cli.setErr(err);
    cli.setExecutionExceptionHandler(
        (e, commandLine, parseResult) -> {
          if (e instanceof UserError) {
            commandLine.getErr().println("statewall: " + e.getMessage());
            commandLine.getErr().flush();
            return USER_ERROR;
          }
          throw e;
        });
    return cli.execute(args);
  }

  static CommandLine commandLine(AppAssembler assembler, ShutdownHooks hooks, PrintWriter out) {
    CommandLine cli = new CommandLine(new StatewallCli());
    cli.addSubcommand(new RunCommand(assembler, hooks, out));
    return cli;
  }
}
