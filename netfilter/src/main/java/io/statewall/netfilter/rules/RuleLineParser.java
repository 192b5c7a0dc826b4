package io.statewall.netfilter.rules;

import io.statewall.netfilter.packet.Family;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * Parses one command line of a table ({@code -A}, {@code -I}, {@code -N}, {@code -P}) the way
 * iptables does: options in any order, {@code !} before an option, extension options going to the
 * most recent {@code -m} that knows them, and an implicit {@code -m tcp|udp|icmp} loaded from
 * {@code -p} when an option needs it.
 */
final class RuleLineParser {
  private final Args a;
  private final Family fam;
  private final TableBuilder table;
  private final MatchContext ctx;

  private Token command;
  private String chain;
  private Token chainTok;
  private int insertAt = -1;
  private String policy;
  private Token policyTok;

  private List<Cidr> src;
  private boolean srcInv;
  private Token srcTok;
  private List<Cidr> dst;
  private boolean dstInv;
  private Token dstTok;
  private String in;
  private boolean inInv;
  private Token inTok;
  private String out;
  private boolean outInv;
  private Token outTok;
  private int proto = -1;
  private boolean protoInv;
  private boolean protoUsed;
  private int fragment;
  private final List<MatchBuilder> matches = new ArrayList<>();
  private Target target;
  private TargetBuilder targetBuilder;
  private Token jumpTok;
  private Token macTok;
  private final List<TableBuilder.HookCheck> hookChecks = new ArrayList<>();

  private RuleLineParser(Args a, Family fam, TableBuilder table, MatchContext ctx) {
    this.a = a;
    this.fam = fam;
    this.table = table;
    this.ctx = ctx;
  }

  static void parse(Args a, Family fam, TableBuilder table, MatchContext ctx) throws RuleSyntaxException {
    new RuleLineParser(a, fam, table, ctx).run();
  }

  private static String shortName(String o) {
    return switch (o) {
      case "--append" -> "-A";
      case "--insert" -> "-I";
      case "--new-chain", "--new" -> "-N";
      case "--policy" -> "-P";
      case "--source", "--src" -> "-s";
      case "--destination", "--dst" -> "-d";
      case "--protocol" -> "-p";
      case "--in-interface" -> "-i";
      case "--out-interface" -> "-o";
      case "--fragment" -> "-f";
      case "--match" -> "-m";
      case "--jump" -> "-j";
      case "--goto" -> "-g";
      case "--set-counters" -> "-c";
      case "--table" -> "-t";
      default -> o;
    };
  }

  private void run() throws RuleSyntaxException {
    boolean inv = false;
    Token invTok = null;
    while (a.hasNext()) {
      Token t = expand(a.next());
      String o = shortName(t.text());
      if (o.equals("!")) {
        if (inv) {
          throw a.error(t, "an option after '!' (multiple ! flags not allowed)");
        }
        inv = true;
        invTok = t;
        continue;
      }
      if (inv && !(o.equals("-s") || o.equals("-d") || o.equals("-p") || o.equals("-i") || o.equals("-o")
          || o.equals("-f") || o.startsWith("--"))) {
        throw a.error(t, "an option that can be inverted after '!' at column " + invTok.column());
      }
      switch (o) {
        case "-A", "-I", "-N", "-P" -> commandOption(t, o);
        case "-s" -> {
          once(srcTok, t);
          srcTok = t;
          src = Values.addresses(a, a.value(t, "an address"), fam);
          srcInv = inv;
        }
        case "-d" -> {
          once(dstTok, t);
          dstTok = t;
          dst = Values.addresses(a, a.value(t, "an address"), fam);
          dstInv = inv;
        }
        case "-p" -> protocol(t, inv);
        case "-i" -> {
          once(inTok, t);
          inTok = t;
          in = iface(a.value(t, "an interface name"));
          inInv = inv;
        }
        case "-o" -> {
          once(outTok, t);
          outTok = t;
          out = iface(a.value(t, "an interface name"));
          outInv = inv;
        }
        case "-f" -> {
          if (fam == Family.IPV6) {
            throw a.error(t, "an ip6tables option (-f exists only in iptables)");
          }
          if (fragment != 0) {
            throw a.error(t, "one -f per rule");
          }
          fragment = inv ? -1 : 1;
        }
        case "-m" -> match(t);
        case "-j", "-g" -> jump(t, o.equals("-g"));
        case "-c" -> {
          for (int i = 0; i < 2; i++) {
            Token c = a.value(t, "packet and byte counters");
            if (Values.number(c.text(), 0, Long.MAX_VALUE) < 0 && !c.text().matches("\\d+")) {
              throw a.error(c, "a counter value");
            }
          }
        }
        case "-t" -> throw a.error(t, "no -t inside a table (iptables-restore names the table with *table)");
        default -> {
          if (o.startsWith("--")) {
            extensionOption(t, inv);
          } else if (o.startsWith("-") && o.length() > 1) {
            throw a.error(t, "a command -A, -I, -N or -P, or a rule option (unknown or unsupported option)");
          } else {
            throw a.error(t, "an option (bad argument '" + t.text() + "')");
          }
        }
      }
      inv = false;
    }
    if (inv) {
      throw a.error(null, "an option after '!'");
    }
    finish();
  }

  private void once(Token prev, Token t) throws RuleSyntaxException {
    if (prev != null) {
      throw a.error(t, "one " + t.text() + " per rule (multiple " + t.text() + " flags not allowed)");
    }
  }

  private void commandOption(Token t, String o) throws RuleSyntaxException {
    if (command != null) {
      throw a.error(t, "one command per line (already " + command.text() + ")");
    }
    command = t;
    chainTok = a.value(t, "a chain name");
    chain = chainTok.text();
    switch (o) {
      case "-I" -> {
        Token n = a.peek();
        if (n != null && n.text().matches("\\d+")) {
          a.next();
          long pos = Values.number(n.text(), 1, Integer.MAX_VALUE);
          if (pos < 1) {
            throw a.error(n, "a rule number of 1 or more");
          }
          insertAt = (int) pos;
        } else {
          insertAt = 1;
        }
      }
      case "-P" -> {
        policyTok = a.value(t, "ACCEPT or DROP");
        policy = policyTok.text();
      }
      default -> { }
    }
  }

  private void protocol(Token t, boolean inv) throws RuleSyntaxException {
    if (proto >= 0) {
      throw a.error(t, "one -p per rule (multiple -p flags not allowed)");
    }
    Token v = a.value(t, "a protocol");
    int p = Netbase.get().protocol(v.text().toLowerCase(Locale.ROOT));
    if (p < 0) {
      throw a.error(v, "a protocol name (tcp, udp, icmp, ...) or number 0-255 (unknown protocol '"
          + v.text() + "')");
    }
    if (p == 0 && inv) {
      throw a.error(v, "a protocol other than 'all' after '!' (rule would never match protocol)");
    }
    proto = p;
    protoInv = inv;
  }

  private String iface(Token v) throws RuleSyntaxException {
    String n = v.text();
    if (n.isEmpty() || n.length() > 15) {
      throw a.error(v, "an interface name of 1 to 15 characters (must be shorter than IFNAMSIZ)");
    }
    return n;
  }

  private void match(Token t) throws RuleSyntaxException {
    Token v = a.value(t, "a match name");
    String n = v.text();
    MatchBuilder b = MatchBuilder.create(n, v, fam, ctx);
    String hostOnly = switch (n) {
      case "owner" -> "the user, group or process that owns the sending socket";
      case "cgroup" -> "the control group of the sending process";
      case "socket" -> "whether a local socket exists for the packet";
      default -> null;
    };
    if (hostOnly != null) {
      throw a.error(v, "a match a network can decide (-m " + n + " tests " + hostOnly
          + ", which only the host itself knows: a network cannot see it; keep this rule on the host)");
    }
    if (b == null) {
      throw a.error(v, "a supported match (" + MatchBuilder.SUPPORTED + ") (couldn't load match '" + n + "')");
    }
    for (MatchBuilder m : matches) {
      if (m.name.equals(n)) {
        m.completed = true;
      }
    }
    if (n.equals("mac")) {
      macTok = v;
    }
    matches.add(b);
  }

  private void jump(Token t, boolean isGoto) throws RuleSyntaxException {
    if (jumpTok != null) {
      throw a.error(t, "one -j or -g per rule");
    }
    jumpTok = t;
    Token v = a.value(t, isGoto ? "a chain name" : "a target or chain name");
    String n = v.text();
    if (!isGoto) {
      switch (n) {
        case "ACCEPT" -> target = Target.Standard.ACCEPT;
        case "DROP" -> target = Target.Standard.DROP;
        case "RETURN" -> target = Target.Standard.RETURN;
        default -> {
          targetBuilder = TargetBuilder.create(n, v, fam);
          if (targetBuilder != null && targetBuilder.tables() != null
              && !targetBuilder.tables().contains(table.name)) {
            throw a.error(v, n + " only in the " + targetBuilder.tables().stream().map(TableName::label).sorted()
                .reduce((x, y) -> x + " and " + y).orElse("") + " table (the kernel refuses it in "
                + table.name.label() + ")");
          }
        }
      }
      if (target == Target.Standard.DROP && table.name == TableName.NAT) {
        throw a.error(v, "a target other than DROP (the nat table is not intended for filtering, "
            + "the use of DROP is therefore inhibited)");
      }
      if (target != null || targetBuilder != null) {
        return;
      }
    }
    if (!table.hasChain(n) || table.name.isBuiltin(n)) {
      throw a.error(v, (isGoto ? "a user-defined chain" : "a target (ACCEPT, DROP, RETURN, REJECT, LOG, CT, NOTRACK) "
          + "or a user-defined chain") + " of table " + table.name.label() + " (couldn't load target '" + n + "')");
    }
    target = new Target.Jump(n, isGoto);
  }

  private void extensionOption(Token t, boolean inv) throws RuleSyntaxException {
    String o = t.text();
    int eq = o.indexOf('=');
    if (eq > 0) {
      throw a.error(t, "the option and its value as two words (" + o.substring(0, eq) + " VALUE)");
    }
    if (targetBuilder != null && targetBuilder.handles(o)) {
      targetBuilder.parse(t, inv, a);
      return;
    }
    for (MatchBuilder m : matches) {
      if (!m.completed && m.option(o) != null) {
        m.parse(t, inv, a, proto);
        return;
      }
    }
    if (!protoUsed && proto > 0 && !protoInv) {
      MatchBuilder b = implicitMatch(t);
      if (b != null && b.option(o) != null) {
        protoUsed = true;
        matches.add(b);
        b.parse(t, inv, a, proto);
        return;
      }
    }
    throw a.error(t, "an option of the loaded matches or target (unknown option '" + o + "'"
        + (proto < 0 ? "; port and type options need -p first" : "") + ")");
  }

  private void finish() throws RuleSyntaxException {
    if (command == null) {
      throw a.error(a.hasNext() ? a.peek() : null, "a command -A, -I, -N or -P");
    }
    String c = command.text();
    String cmd = shortName(c);
    boolean ruleCmd = cmd.equals("-A") || cmd.equals("-I");
    if (!ruleCmd && (srcTok != null || dstTok != null || inTok != null || outTok != null || proto >= 0
        || !matches.isEmpty() || jumpTok != null || fragment != 0)) {
      throw a.error(command, "rule options only with -A or -I");
    }
    if (cmd.equals("-N")) {
      if (table.hasChain(chain)) {
        throw a.error(chainTok, "a new chain name (chain already exists)");
      }
      checkChainName(chainTok);
      table.createChain(chain);
      return;
    }
    if (cmd.equals("-P")) {
      if (!table.name.isBuiltin(chain)) {
        throw a.error(chainTok, "a built-in chain of table " + table.name.label() + " (bad built-in chain name)");
      }
      if (!policy.equals("ACCEPT") && !policy.equals("DROP")) {
        throw a.error(policyTok, "ACCEPT or DROP (bad policy name)");
      }
      if (policy.equals("DROP") && table.name == TableName.NAT) {
        throw a.error(policyTok, "ACCEPT (the nat table is not intended for filtering, "
            + "the use of DROP is therefore inhibited)");
      }
      table.setPolicy(chain, Target.Standard.valueOf(policy));
      return;
    }
    if (!table.hasChain(chain)) {
      throw a.error(chainTok, "a chain of table " + table.name.label() + " (chain '" + chain + "' does not exist)");
    }
    if (in != null && (chain.equals("OUTPUT") || chain.equals("POSTROUTING"))) {
      throw a.error(inTok, "no -i in " + chain + " (can't use -i with " + chain + ")");
    }
    if (out != null && (chain.equals("INPUT") || chain.equals("PREROUTING"))) {
      throw a.error(outTok, "no -o in " + chain + " (can't use -o with " + chain + ")");
    }
    if (macTok != null && chain.equals("OUTPUT")) {
      throw a.error(macTok, "-m mac only in PREROUTING, INPUT and FORWARD");
    }
    if ((src != null && src.size() > 1 && srcInv) || (dst != null && dst.size() > 1 && dstInv)) {
      throw a.error(srcInv ? srcTok : dstTok, "one address after '!' (! not allowed with multiple addresses)");
    }
    List<Match> built = new ArrayList<>();
    int p = Math.max(proto, 0);
    for (MatchBuilder m : matches) {
      switch (m.name) {
        case "tcp", "udp", "icmp", "icmp6", "sctp" -> {
          int need = switch (m.name) {
            case "tcp" -> 6;
            case "udp" -> 17;
            case "icmp" -> 1;
            case "sctp" -> 132;
            default -> 58;
          };
          if (p != need || protoInv) {
            throw a.error(m.at, "-p " + (need == 58 ? "icmpv6" : m.name) + " before -m " + m.name
                + " (the kernel refuses the match for other protocols)");
          }
        }
        case "rpfilter" -> {
          if (table.name != TableName.RAW && table.name != TableName.MANGLE) {
            throw a.error(m.at, "-m rpfilter only in the raw and mangle tables (the kernel refuses it in "
                + table.name.label() + ")");
          }
        }
        case "multiport" -> {
          if (!(p == 6 || p == 17 || p == 136 || p == 132 || p == 33) || protoInv) {
            throw a.error(m.at, "-p tcp, udp, udplite, sctp or dccp for multiport (multiport needs -p tcp or -p udp)");
          }
        }
        default -> { }
      }
      built.add(m.build(a));
      if (m.hooks() != 0) {
        hookChecks.add(new TableBuilder.HookCheck(m.at, m.hooks(), "-m " + m.name + " with these options only in "
            + hookNames(m.hooks())));
      }
    }
    if (targetBuilder != null) {
      target = targetBuilder.build(a, p, protoInv);
      targetBuilder.checkRule(a, built);
      if (targetBuilder.hooks() != 0) {
        hookChecks.add(new TableBuilder.HookCheck(targetBuilder.at, targetBuilder.hooks(),
            targetBuilder.name + " only in " + hookNames(targetBuilder.hooks())));
      }
    }
    if (macTok != null) {
      hookChecks.add(new TableBuilder.HookCheck(macTok, TableName.PREROUTING | TableName.INPUT | TableName.FORWARD,
          "-m mac only in PREROUTING, INPUT and FORWARD"));
    }
    List<Rule> rules = table.rules(chain);
    if (insertAt > rules.size() + 1) {
      throw a.error(command, "a rule number up to " + (rules.size() + 1) + " (index of insertion too big)");
    }
    List<Cidr> srcs = src == null ? Collections.singletonList(null) : src;
    List<Cidr> dsts = dst == null ? Collections.singletonList(null) : dst;
    int pos = insertAt < 0 ? rules.size() : insertAt - 1;
    for (Cidr s : srcs) {
      for (Cidr d : dsts) {
        String text = SaveWriter.rule(Netbase.get(), fam, chain, s, srcInv, d, dstInv, in, inInv, out, outInv,
            p, protoInv, fragment, built, target);
        Rule r = new Rule(a.file(), a.line(), chain, s == null || (s.isAny() && !srcInv) ? null : s, srcInv,
            d == null || (d.isAny() && !dstInv) ? null : d, dstInv, in, inInv, out, outInv, p, protoInv,
            fragment, built, target, text);
        rules.add(pos++, r);
        table.site(r, new TableBuilder.Site(a.line(), jumpTok, List.copyOf(hookChecks)));
      }
    }
  }

  /** "PREROUTING, OUTPUT" for hook bits. */
  static String hookNames(int hooks) {
    List<String> out = new ArrayList<>();
    for (String h : List.of("PREROUTING", "INPUT", "FORWARD", "OUTPUT", "POSTROUTING")) {
      if ((TableName.hook(h) & hooks) != 0) {
        out.add(h);
      }
    }
    return String.join(", ", out);
  }

  /** iptables' own long options (getopt's table before any extension is merged into it). */
  private static final List<String> BASE = List.of("--append", "--delete", "--delete-chain", "--insert",
      "--replace", "--list", "--list-rules", "--flush", "--zero", "--new-chain", "--new", "--policy",
      "--rename-chain", "--source", "--src", "--destination", "--dst", "--protocol", "--in-interface", "--jump",
      "--table", "--match", "--numeric", "--out-interface", "--verbose", "--wait", "--wait-interval", "--exact",
      "--fragment", "--version", "--help", "--line-numbers", "--modprobe", "--set-counters", "--goto", "--ipv4",
      "--ipv6", "--check");

  /**
   * An abbreviated long option spelled out, as getopt_long does: a unique prefix of one option of
   * iptables or of the loaded extensions; an exact name, an ambiguous or an unknown one is returned
   * unchanged (and reported later as unknown, as iptables does). When nothing loaded has it, the
   * protocol's implicit match is tried, as iptables retries after loading it.
   */
  private Token expand(Token t) {
    String o = t.text();
    if (!o.startsWith("--") || o.length() < 3 || o.indexOf('=') >= 0) {
      return t;
    }
    List<List<String>> groups = new ArrayList<>();
    groups.add(BASE);
    if (targetBuilder != null) {
      groups.add(targetBuilder.names());
    }
    for (MatchBuilder m : matches) {
      groups.add(m.names());
    }
    String e = unique(o, groups);
    if (e == null && !protoUsed && proto > 0 && !protoInv) {
      MatchBuilder b = implicitMatch(t);
      if (b != null) {
        groups.add(b.names());
        e = unique(o, groups);
      }
    }
    return e == null ? t : new Token(e, t.column());
  }

  private static String unique(String o, List<List<String>> groups) {
    String found = null;
    Object owner = null;
    for (List<String> g : groups) {
      for (String n : g) {
        if (n.equals(o)) {
          return o;
        }
      }
    }
    for (List<String> g : groups) {
      for (String n : g) {
        if (n.startsWith(o)) {
          if (found != null && !(owner == g && sameOption(found, n))) {
            return null;
          }
          found = n;
          owner = g;
        }
      }
    }
    return found;
  }

  /** Aliases getopt sees as one option (same flag and value): an abbreviation of both is not ambiguous. */
  private static boolean sameOption(String x, String y) {
    return Objects.equals(ALIAS.getOrDefault(x, x), ALIAS.getOrDefault(y, y));
  }

  private static final Map<String, String> ALIAS = Map.of("--source-port", "--sport",
      "--destination-port", "--dport", "--source-ports", "--sports", "--destination-ports", "--dports");

  private MatchBuilder implicitMatch(Token t) {
    String implicit = switch (proto) {
      case 6 -> "tcp";
      case 17 -> "udp";
      case 1 -> fam == Family.IPV4 ? "icmp" : null;
      case 58 -> fam == Family.IPV6 ? "icmp6" : null;
      case 132 -> "sctp";
      default -> null;
    };
    return implicit == null ? null : MatchBuilder.create(implicit, t, fam, ctx);
  }

  private void checkChainName(Token t) throws RuleSyntaxException {
    checkChainName(a, t);
  }

  static void checkChainName(Args a, Token t) throws RuleSyntaxException {
    String n = t.text();
    if (n.length() > 28) {
      throw a.error(t, "a chain name of at most 28 characters");
    }
    if (n.startsWith("-") || n.startsWith("!") || n.isEmpty()) {
      throw a.error(t, "a chain name not starting with '-' or '!'");
    }
    if (TargetBuilder.create(n, t, Family.IPV4) != null || List.of("ACCEPT", "DROP", "RETURN", "QUEUE").contains(n)) {
      throw a.error(t, "a chain name that is not a target name");
    }
  }
}
