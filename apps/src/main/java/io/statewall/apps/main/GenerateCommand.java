package io.statewall.apps.main;

import io.statewall.controller.launch.RunConfigFile;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.AutoComplete;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code statewall generate}: what the package installs beside the jar, made from the picocli model
 * of this very command line, so a new option or subcommand reaches completion, man pages and the
 * config template with no extra step. Hidden: packagers use it, operators need not.
 */
@Command(name = "generate", hidden = true, mixinStandardHelpOptions = true,
    description = "Print shell completion, write man pages, or print the config file template.",
    subcommands = {GenerateCommand.Completion.class, GenerateCommand.Man.class, GenerateCommand.Config.class})
public final class GenerateCommand implements Runnable {
  @Spec CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getErr());
  }

  /** The bash completion script (zsh loads it through bashcompinit). */
  @Command(name = "completion", mixinStandardHelpOptions = true,
      description = "Print the bash completion script of statewall (zsh: through bashcompinit).")
  static final class Completion implements Runnable {
    @Spec CommandSpec spec;

    @Override
    public void run() {
      PrintWriter out = spec.commandLine().getOut();
      out.print(AutoComplete.bash("statewall", spec.root().commandLine()));
      out.flush();
    }
  }

  /** One troff man page per command, as git names them: statewall.1, statewall-run.1, statewall-config-check.1. */
  @Command(name = "man", mixinStandardHelpOptions = true,
      description = "Write a man page (section 1, troff) for statewall and each of its commands into DIR.")
  static final class Man implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Parameters(paramLabel = "DIR", description = "directory to write the pages into (made if missing)")
    Path dir;

    @Override
    public Integer call() throws IOException {
      Files.createDirectories(dir);
      List<Path> written = new ArrayList<>();
      write(spec.root(), written);
      written.forEach(p -> spec.commandLine().getOut().println(p));
      spec.commandLine().getOut().flush();
      return 0;
    }

    private void write(CommandSpec command, List<Path> written) throws IOException {
      if (command.usageMessage().hidden()) {
        return;
      }
      ManPage page = new ManPage(command);
      Path file = dir.resolve(page.name() + ".1");
      Files.writeString(file, page.troff());
      written.add(file);
      for (CommandLine sub : command.subcommands().values()) {
        if (sub.getCommandSpec().parent() == command && !sub.getCommandSpec().usageMessage().hidden()
            && !written.contains(dir.resolve(new ManPage(sub.getCommandSpec()).name() + ".1"))) {
          write(sub.getCommandSpec(), written);
        }
      }
    }
  }

  /** /etc/statewall/statewall.yaml: every key of run, commented out, with its description and default. */
  @Command(name = "config", mixinStandardHelpOptions = true,
      description = "Print a config file for 'run --config' listing every key, with POLICY as its policy.")
  static final class Config implements Runnable {
    @Spec CommandSpec spec;

    @Parameters(paramLabel = "POLICY", defaultValue = "/etc/statewall/policy.yaml",
        description = "the policy the file names (default: ${DEFAULT-VALUE})")
    String policy;

    @Override
    public void run() {
      CommandSpec runSpec = spec.root().subcommands().get("run").getCommandSpec();
      PrintWriter out = spec.commandLine().getOut();
      out.println("# statewall run --config: one key per option of 'statewall run', named without its dashes.");
      out.println("# Options given on the command line win. Relative paths are from this file's directory.");
      out.println("# Check it with: statewall config check FILE. See statewall-run(1).");
      out.println();
      out.println("policy: " + policy);
      for (OptionSpec o : runSpec.options()) {
        String key = RunConfigFile.key(o);
        if (o.usageHelp() || o.versionHelp() || key.equals("config") || key.equals("policy")) {
          continue;
        }
        out.println();
        for (String line : o.renderedDescription()) {
          for (String wrapped : ManPage.wrap(line, 96)) {
            out.println("# " + wrapped);
          }
        }
        String example = o.defaultValue() != null ? o.defaultValue()
            : o.arity().max() == 0 ? "false" : o.paramLabel();
        out.println("#" + key + ": " + example);
      }
      out.flush();
    }
  }
}
