package io.statewall.operator.cli;

import io.statewall.netfilter.packet.Family;
import io.statewall.netfilter.policy.Host;
import io.statewall.netfilter.policy.Policy;
import io.statewall.netfilter.policy.PolicyException;
import io.statewall.netfilter.policy.PolicyLoader;
import io.statewall.netfilter.policy.RuleFileKind;
import io.statewall.netfilter.rules.RuleFileReader;
import io.statewall.netfilter.rules.RuleSet;
import io.statewall.netfilter.rules.RuleSyntaxException;
import io.statewall.netfilter.rules.TextFile;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code statewall policy check FILE}: loads a rule file or a policy and prints it as iptables-save
 * would; {@code apply} and {@code show} talk to a running controller's API.
 */
@Command(name = "policy", description = "Work with policies and iptables rule files.",
    subcommands = {PolicyCommand.Check.class, PolicyApplyCommand.class,
        PolicyShowCommand.class}, mixinStandardHelpOptions = true)
public final class PolicyCommand implements Runnable {
  @Spec
  CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getErr());
  }

  /** The check subcommand. */
  @Command(name = "check", mixinStandardHelpOptions = true,
      description = "Load FILE (an iptables-save rule file or a policy YAML) as statewall would; print the rules "
          + "exactly as iptables-save prints them after iptables-restore, or the error (exit 1).")
  static final class Check implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(paramLabel = "FILE", description = "a rule file (ip6tables if the name ends in 6) or a policy .yaml")
    Path file;

    @Option(names = {"-6", "--ipv6"}, description = "read a rule file as ip6tables-save format")
    boolean ipv6;

    @Override
    public Integer call() {
      PrintWriter out = spec.commandLine().getOut();
      PrintWriter err = spec.commandLine().getErr();
      String n = file.getFileName() == null ? "" : file.getFileName().toString();
      try {
        // by content, as policy apply and run take a policy whatever its name: a policy is YAML, a rule file is not
        boolean policy = n.endsWith(".yaml") || n.endsWith(".yml")
            || (Files.isRegularFile(file) && RuleFileKind.looksLikePolicy(
                TextFile.read(file)));
        if (policy) {
          Policy p = new PolicyLoader().load(file);
          p.warnings().forEach(w -> err.println("warning: " + w));
          for (Host h : p.hosts().values()) {
            print(out, "host " + h.id() + " rules", h.rules());
            print(out, "host " + h.id() + " rules6", h.rules6());
          }
          print(out, "network rules", p.network());
          print(out, "network rules6", p.network6());
        } else {
          if (!Files.isRegularFile(file)) {
            err.println(file + ": no such file");
            return 1;
          }
          Family fam = ipv6 ? Family.IPV6 : RuleFileReader.familyByName(file);
          out.print(new RuleFileReader().read(file, fam).save());
        }
        out.flush();
        return 0;
      } catch (PolicyException | RuleSyntaxException e) {
        err.println(e.getMessage());
        return 1;
      } catch (IOException e) {
        err.println(file + ": " + e.getMessage());
        return 1;
      } finally {
        err.flush();
      }
    }

    private static void print(PrintWriter out, String label, RuleSet set) {
      if (set != null) {
        out.println("# " + label + ": " + set.file());
        out.print(set.save());
      }
    }
  }
}
