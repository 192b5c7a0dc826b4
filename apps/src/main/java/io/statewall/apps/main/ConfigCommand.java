package io.statewall.apps.main;

import io.statewall.controller.launch.ClusterOptions;
import io.statewall.controller.launch.RunConfig;
import io.statewall.controller.launch.RunOptions;
import io.statewall.controller.launch.UserError;
import io.statewall.netfilter.policy.Policy;
import io.statewall.operator.api.ApiSettings;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code statewall config check FILE}: the config file of {@code run --config} and the policy it names. */
@Command(name = "config", description = "Work with the config file of 'run --config'.",
    subcommands = ConfigCommand.Check.class, mixinStandardHelpOptions = true)
public final class ConfigCommand implements Runnable {
  @Spec CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getErr());
  }

  /** The check subcommand. */
  @Command(name = "check", mixinStandardHelpOptions = true,
      description = {"Check FILE as 'statewall run --config FILE' would read it: every key is an option of run "
          + "(unknown keys are errors), every value converts, the policy it names loads with its rule files, "
          + "the API settings hold, the cluster section names this member among its peers. Prints what run would use, "
          + "or the error (exit 2)."})
  static final class Check implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Parameters(paramLabel = "FILE", description = "the config file (YAML), e.g. /etc/statewall/statewall.yaml")
    Path file;

    @Override
    public Integer call() throws UserError {
      PrintWriter out = spec.commandLine().getOut();
      PrintWriter err = spec.commandLine().getErr();
      RunOptions options = RunConfig.resolve(file);
      Policy policy = FirewallAssembler.load(options.policy());
      try {
        ApiSettings.parse(options.api());
      } catch (IllegalArgumentException e) {
        throw new UserError("config file " + file + ": " + e.getMessage());
      }
      policy.warnings().forEach(w -> err.println("warning: " + w));
      err.flush();
      out.printf("%s: ok%n", file);
      out.printf("  policy      %s (%d hosts)%n", options.policy(), policy.hosts().size());
      out.printf("  openflow    %s:%d%s%n", options.controller().listenHost(), options.controller().listenPort(),
          options.controller().tls().isPresent() ? " (TLS)" : "");
      out.printf("  api         %s%s%n", options.api().address(),
          options.api().tokenFile() == null ? "" : " (token file " + options.api().tokenFile() + ")");
      out.printf("  log format  %s%n", options.logFormat());
      out.printf("  cluster     %s%n", options.cluster().map(c -> c.name() + ": member " + c.member() + " on "
          + c.self() + ", peers " + c.peers().stream().map(Object::toString).collect(Collectors.joining(",")))
          .orElse(ClusterOptions.NONE));
      out.flush();
      return 0;
    }
  }
}
