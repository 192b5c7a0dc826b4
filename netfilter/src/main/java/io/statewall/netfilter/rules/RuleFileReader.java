package io.statewall.netfilter.rules;

import io.statewall.netfilter.packet.Family;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * Reads iptables-save / iptables-restore files (and the ip6tables ones) as iptables-restore does.
 * A file is loaded whole or not at all: the first problem throws, naming file, line, column and token.
 */
public final class RuleFileReader {
  private final LongSupplier clock;
  private final LongSupplier wallClock;

  /** A reader whose {@code -m limit} buckets run on the system's nanosecond clock. */
  public RuleFileReader() {
    this(System::nanoTime);
  }

  /** A reader whose {@code -m limit} buckets run on {@code nanoClock} (tests pass a fake). */
  public RuleFileReader(LongSupplier nanoClock) {
    this(nanoClock, System::currentTimeMillis);
  }

  /** A reader whose {@code -m time} matches read {@code epochMillis} as the wall clock (tests pass a fake). */
  public RuleFileReader(LongSupplier nanoClock, LongSupplier epochMillis) {
    this.clock = nanoClock;
    this.wallClock = epochMillis;
  }

  /** Reads a file; its name in messages is the path as given. */
  public RuleSet read(Path file, Family family) throws IOException, RuleSyntaxException {
    return parse(file.toString(), TextFile.read(file), family);
  }

  /** The family a rule file is for by its name: names ending in "6" or naming ip6tables are IPv6. */
  public static Family familyByName(Path file) {
    String n = file.getFileName().toString();
    return n.endsWith("6") || n.contains("ip6tables") ? Family.IPV6 : Family.IPV4;
  }

  public RuleSet parse(String fileName, String text, Family family) throws RuleSyntaxException {
    return parse(fileName, text, family, IpSets.NONE);
  }

  /** Parses a rule file whose {@code -m set} matches name sets of {@code sets}. */
  public RuleSet parse(String fileName, String text, Family family, IpSets sets) throws RuleSyntaxException {
    Map<TableName, RuleTable> tables = new EnumMap<>(TableName.class);
    MatchContext ctx = MatchContext.of(clock, wallClock, sets);
    TableBuilder cur = null;
    int lineNo = 0;
    int tableLine = 0;
    int pos = 0;
    int len = text.length();
    while (pos < len) {
      int nl = text.indexOf('\n', pos);
      int end = nl < 0 ? len : nl;
      String line = text.substring(pos, end);
      pos = end + 1;
      lineNo++;
      String trimmed = line.strip();
      if (trimmed.isEmpty() || trimmed.startsWith("#")) {
        continue;
      }
      int col = line.indexOf(trimmed.charAt(0)) + 1;
      if (cur == null) {
        if (!trimmed.startsWith("*") && trimmed.matches("[A-Za-z][A-Za-z0-9_-]*:(\\s.*)?")) {
          throw new RuleSyntaxException(fileName, lineNo, col, firstWord(trimmed),
              "an iptables-save rule file, but this is a policy YAML (it starts with a key '" + firstWord(trimmed)
              + "'): give it where a policy is expected (statewall run --policy, policy apply, policy check *.yaml)");
        }
        if (!trimmed.startsWith("*")) {
          throw new RuleSyntaxException(fileName, lineNo, col, firstWord(trimmed),
              "a table line such as *filter or *raw (rules must follow a table name)");
        }
        String name = trimmed.substring(1);
        TableName t = TableName.byLabel(name);
        if (t == null) {
          throw new RuleSyntaxException(fileName, lineNo, col + 1, name,
              "a table filter, raw, nat, mangle or security (can't initialize iptables table '" + name
              + "': Table does not exist)");
        }
        cur = new TableBuilder(t, fileName);
        tableLine = lineNo;
        continue;
      }
      if (trimmed.equals("COMMIT")) {
        tables.put(cur.name, cur.commit());
        cur = null;
        continue;
      }
      if (trimmed.startsWith("*")) {
        throw new RuleSyntaxException(fileName, lineNo, col, firstWord(trimmed),
            "COMMIT to end table " + cur.name.label() + " opened at line " + tableLine);
      }
      List<Token> tokens = LineTokenizer.split(fileName, lineNo, line);
      Args args = new Args(fileName, lineNo, tokens);
      if (trimmed.startsWith(":")) {
        chainLine(args, cur);
        continue;
      }
      if (tokens.get(0).text().startsWith("[")) {
        // "[packets:bytes] -A ..." as iptables-save -c writes it
        Token c = args.next();
        if (!c.text().matches("\\[\\d+:\\d+\\]")) {
          throw args.error(c, "counters [packets:bytes]");
        }
      }
      RuleLineParser.parse(args, family, cur, ctx);
    }
    if (cur != null) {
      throw new RuleSyntaxException(fileName, lineNo + 1, 1, "",
          "COMMIT to end table " + cur.name.label() + " opened at line " + tableLine + " (COMMIT expected)");
    }
    List<RuleTable> out = new ArrayList<>();
    for (TableName t : TableName.values()) {
      if (tables.containsKey(t)) {
        out.add(tables.get(t));
      }
    }
    return new RuleSet(fileName, family, out);
  }

  private static String firstWord(String s) {
    String[] w = s.split("\\s+", 2);
    return w[0];
  }

  private static void chainLine(Args a, TableBuilder t) throws RuleSyntaxException {
    Token first = a.next();
    Token name = new Token(first.text().substring(1), first.column() + 1);
    if (name.text().isEmpty()) {
      throw a.error(first, "a chain name after ':'");
    }
    Token policy = a.value(name, "a policy (ACCEPT, DROP or -)");
    if (a.hasNext()) {
      Token c = a.next();
      if (!c.text().matches("\\[\\d+:\\d+\\]")) {
        throw a.error(c, "counters [packets:bytes]");
      }
    }
    if (a.hasNext()) {
      throw a.error(a.peek(), "the end of the chain line");
    }
    String n = name.text();
    if (t.name.isBuiltin(n)) {
      switch (policy.text()) {
        case "ACCEPT" -> t.setPolicy(n, Target.Standard.ACCEPT);
        case "DROP" -> t.setPolicy(n, Target.Standard.DROP);
        case "-" -> { }
        default -> throw a.error(policy, "ACCEPT or DROP (bad policy name)");
      }
      return;
    }
    if (t.hasChain(n)) {
      throw a.error(name, "a chain not declared before (chain already exists)");
    }
    RuleLineParser.checkChainName(a, name);
    if (!policy.text().equals("-")) {
      throw a.error(policy, "'-' as the policy of user chain " + n + " (only built-in chains have policies)");
    }
    t.createChain(n);
  }
}
