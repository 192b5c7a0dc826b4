package io.statewall.apps.main;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import picocli.CommandLine;
import picocli.CommandLine.Help;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Model.PositionalParamSpec;

/**
 * A man page in troff (man(7) macros) from a picocli command: NAME, SYNOPSIS, DESCRIPTION, OPTIONS,
 * ARGUMENTS, COMMANDS and SEE ALSO. Written here because picocli-codegen emits AsciiDoc and no
 * AsciiDoc-to-troff converter can be installed offline.
 */
final class ManPage {
  private final CommandSpec command;

  ManPage(CommandSpec command) {
    this.command = command;
  }

  /** statewall, statewall-run, statewall-config-check. */
  String name() {
    return command.qualifiedName("-");
  }

  String troff() {
    StringBuilder t = new StringBuilder();
    String version = command.root().version().length > 0 ? command.root().version()[0] : "statewall";
    t.append(".TH ").append(quote(name().toUpperCase(Locale.ROOT))).append(" 1 \"\" ")
        .append(quote(version)).append(" \"statewall manual\"\n");
    t.append(".SH NAME\n").append(escape(name())).append(" \\- ").append(escape(summary(command))).append('\n');
    t.append(".SH SYNOPSIS\n.nf\n");
    String synopsis = new Help(command, Help.defaultColorScheme(Help.Ansi.OFF)).synopsis(0).strip();
    t.append(escape(synopsis)).append("\n.fi\n");
    String[] description = command.usageMessage().description();
    if (description.length > 0) {
      t.append(".SH DESCRIPTION\n");
      t.append(escape(String.join(" ", description))).append('\n');
    }
    List<OptionSpec> options = command.options().stream().filter(o -> !o.hidden()).toList();
    if (!options.isEmpty()) {
      t.append(".SH OPTIONS\n");
      for (OptionSpec o : options) {
        t.append(".TP\n").append(optionLabel(o)).append('\n');
        t.append(escape(String.join(" ", o.renderedDescription()))).append('\n');
      }
    }
    List<PositionalParamSpec> params = command.positionalParameters().stream().filter(p -> !p.hidden()).toList();
    if (!params.isEmpty()) {
      t.append(".SH ARGUMENTS\n");
      for (PositionalParamSpec p : params) {
        t.append(".TP\n.I ").append(escape(p.paramLabel())).append('\n');
        t.append(escape(String.join(" ", p.renderedDescription()))).append('\n');
      }
    }
    List<CommandSpec> subs = subcommands();
    if (!subs.isEmpty()) {
      t.append(".SH COMMANDS\n");
      for (CommandSpec s : subs) {
        t.append(".TP\n.B ").append(escape(s.name())).append('\n').append(escape(summary(s)))
            .append(" See \\fB").append(escape(s.qualifiedName("-"))).append("\\fR(1).\n");
      }
    }
    List<String> seeAlso = new ArrayList<>();
    if (command.parent() != null) {
      seeAlso.add(command.parent().qualifiedName("-"));
    }
    subs.forEach(s -> seeAlso.add(s.qualifiedName("-")));
    if (!seeAlso.isEmpty()) {
      t.append(".SH SEE ALSO\n");
      List<String> refs = seeAlso.stream().map(n -> "\\fB" + escape(n) + "\\fR(1)").toList();
      t.append(String.join(",\n", refs)).append('\n');
    }
    return t.toString();
  }

  private List<CommandSpec> subcommands() {
    List<CommandSpec> subs = new ArrayList<>();
    for (CommandLine c : command.subcommands().values()) {
      CommandSpec s = c.getCommandSpec();
      if (s.parent() == command && !s.usageMessage().hidden() && !subs.contains(s)) {
        subs.add(s);
      }
    }
    return subs;
  }

  private static String optionLabel(OptionSpec o) {
    StringBuilder b = new StringBuilder();
    String[] names = o.names();
    for (int i = 0; i < names.length; i++) {
      b.append(i == 0 ? "" : ", ").append("\\fB").append(escape(names[i])).append("\\fR");
    }
    if (o.arity().max() > 0) {
      b.append(" \\fI").append(escape(o.paramLabel())).append("\\fR");
    }
    return b.toString();
  }

  private static String summary(CommandSpec c) {
    String[] d = c.usageMessage().description();
    String first = d.length > 0 ? d[0] : "";
    return first.isEmpty() ? c.name() : first;
  }

  private static String quote(String s) {
    return "\"" + s.replace("\"", "'") + "\"";
  }

  /** Text safe in troff: backslashes and hyphens escaped, no line starting with a control character. */
  static String escape(String s) {
    String e = s.replace("\\", "\\e").replace("-", "\\-");
    StringBuilder b = new StringBuilder();
    for (String line : e.split("\n", -1)) {
      if (b.length() > 0) {
        b.append('\n');
      }
      if (line.startsWith(".") || line.startsWith("'")) {
        b.append("\\&");
      }
      b.append(line);
    }
    return b.toString();
  }

  /** {@code text} in lines of at most {@code width} characters, broken at spaces. */
  static List<String> wrap(String text, int width) {
    List<String> lines = new ArrayList<>();
    StringBuilder line = new StringBuilder();
    for (String word : text.split(" ")) {
      if (line.length() > 0 && line.length() + 1 + word.length() > width) {
        lines.add(line.toString());
        line.setLength(0);
      }
      line.append(line.length() > 0 ? " " : "").append(word);
    }
    if (line.length() > 0) {
      lines.add(line.toString());
    }
    return lines;
  }
}
