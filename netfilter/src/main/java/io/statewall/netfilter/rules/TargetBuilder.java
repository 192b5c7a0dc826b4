package io.statewall.netfilter.rules;

import io.statewall.netfilter.packet.Family;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/** Collects the options of a {@code -j} extension target (REJECT, LOG, CT, NOTRACK) and builds it. */
abstract class TargetBuilder {
  final String name;
  final Token at;
  private final Set<String> seen = new HashSet<>();

  TargetBuilder(String name, Token at) {
    this.name = name;
    this.at = at;
  }

  static TargetBuilder create(String name, Token at, Family fam) {
    return switch (name) {
      case "REJECT" -> new RejectB(at, fam);
      case "LOG" -> new LogB(at);
      case "CT" -> new CtB(at);
      case "NOTRACK" -> new NotrackB(at);
      default -> RewriteTargets.create(name, at, fam);
    };
  }

  /** The long options of this target, for dispatch and for getopt's unambiguous abbreviations. */
  abstract List<String> names();

  boolean handles(String opt) {
    return names().contains(opt);
  }

  /** The tables the kernel allows this target in, or null for any (xt_target.table). */
  Set<TableName> tables() {
    return null;
  }

  /** The hooks the kernel allows this target in (TableName hook bits), 0 for any (xt_target.hooks). */
  int hooks() {
    return 0;
  }

  /** Checks that need the rule's other parts (its matches), as the target's checkentry does. */
  void checkRule(Args a, List<Match> matches) throws RuleSyntaxException {}

  final void parse(Token opt, boolean inv, Args a) throws RuleSyntaxException {
    if (inv) {
      throw a.error(opt, name + " option " + opt.text() + " without '!' (it cannot be inverted)");
    }
    if (!seen.add(opt.text())) {
      throw a.error(opt, "one " + opt.text() + " per " + name + " target");
    }
    apply(opt, a);
  }

  abstract void apply(Token opt, Args a) throws RuleSyntaxException;

  boolean seenOption(String opt) {
    return seen.contains(opt);
  }

  abstract Target build(Args a, int proto, boolean protoInv) throws RuleSyntaxException;

  static final class RejectB extends TargetBuilder {
    private static final Map<String, String> V4 = Map.ofEntries(
        Map.entry("icmp-net-unreachable", "icmp-net-unreachable"), Map.entry("net-unreach", "icmp-net-unreachable"),
        Map.entry("icmp-host-unreachable", "icmp-host-unreachable"), Map.entry("host-unreach", "icmp-host-unreachable"),
        Map.entry("icmp-proto-unreachable", "icmp-proto-unreachable"), Map.entry("proto-unreach", "icmp-proto-unreachable"),
        Map.entry("icmp-port-unreachable", "icmp-port-unreachable"), Map.entry("port-unreach", "icmp-port-unreachable"),
        Map.entry("icmp-net-prohibited", "icmp-net-prohibited"), Map.entry("net-prohib", "icmp-net-prohibited"),
        Map.entry("icmp-host-prohibited", "icmp-host-prohibited"), Map.entry("host-prohib", "icmp-host-prohibited"),
        Map.entry("tcp-reset", "tcp-reset"), Map.entry("tcp-rst", "tcp-reset"),
        Map.entry("icmp-admin-prohibited", "icmp-admin-prohibited"), Map.entry("admin-prohib", "icmp-admin-prohibited"));
    private static final Map<String, String> V6 = Map.ofEntries(
        Map.entry("icmp6-no-route", "icmp6-no-route"), Map.entry("no-route", "icmp6-no-route"),
        Map.entry("icmp6-adm-prohibited", "icmp6-adm-prohibited"), Map.entry("adm-prohibited", "icmp6-adm-prohibited"),
        Map.entry("icmp6-addr-unreachable", "icmp6-addr-unreachable"), Map.entry("addr-unreach", "icmp6-addr-unreachable"),
        Map.entry("icmp6-port-unreachable", "icmp6-port-unreachable"), Map.entry("port-unreach", "icmp6-port-unreachable"),
        Map.entry("tcp-reset", "tcp-reset"), Map.entry("tcp-rst", "tcp-reset"),
        Map.entry("icmp6-policy-fail", "icmp6-policy-fail"), Map.entry("policy-fail", "icmp6-policy-fail"),
        Map.entry("icmp6-reject-route", "icmp6-reject-route"), Map.entry("reject-route", "icmp6-reject-route"));

    private final Family fam;
    private String type;

    RejectB(Token at, Family fam) {
      super("REJECT", at);
      this.fam = fam;
      this.type = fam == Family.IPV4 ? "icmp-port-unreachable" : "icmp6-port-unreachable";
    }

    @Override
    List<String> names() {
      return List.of("--reject-with");
    }

    @Override
    Set<TableName> tables() {
      return Set.of(TableName.FILTER);
    }

    @Override
    void apply(Token opt, Args a) throws RuleSyntaxException {
      Token t = a.value(opt, "a reject type");
      Map<String, String> m = fam == Family.IPV4 ? V4 : V6;
      String v = m.get(t.text());
      if (v == null) {
        throw a.error(t, "a reject type iptables knows: " + String.join(", ", new TreeSet<>(m.values())));
      }
      type = v;
    }

    @Override
    Target build(Args a, int proto, boolean protoInv) throws RuleSyntaxException {
      if (type.equals("tcp-reset") && (proto != 6 || protoInv)) {
        throw a.error(at, "-p tcp for REJECT --reject-with tcp-reset (the kernel refuses it otherwise)");
      }
      return new Target.Reject(type);
    }
  }

  static final class LogB extends TargetBuilder {
    private static final Map<String, Integer> LEVELS = Map.of("emerg", 0, "panic", 0, "alert", 1, "crit", 2,
        "error", 3, "err", 3, "warning", 4, "warn", 4, "notice", 5, "info", 6);
    private String prefix = "";
    private int level = 4;
    private int flags;

    LogB(Token at) {
      super("LOG", at);
    }

    @Override
    List<String> names() {
      return List.of("--log-prefix", "--log-level", "--log-tcp-sequence", "--log-tcp-options",
          "--log-ip-options", "--log-uid", "--log-macdecode");
    }

    @Override
    void apply(Token opt, Args a) throws RuleSyntaxException {
      switch (opt.text()) {
        case "--log-prefix" -> {
          Token t = a.value(opt, "a prefix");
          if (t.text().isEmpty()) {
            throw a.error(t, "a non-empty log prefix");
          }
          // iptables 1.8 cuts a longer prefix to 29 characters (with a warning) rather than refusing it
          prefix = t.text().length() > 29 ? t.text().substring(0, 29) : t.text();
        }
        case "--log-level" -> {
          Token t = a.value(opt, "a level");
          String v = t.text().toLowerCase(Locale.ROOT);
          Integer l = LEVELS.get(v);
          if (v.equals("debug")) {
            l = 7;
          }
          if (l == null) {
            long n = Values.number(v, 0, 7);
            if (n < 0) {
              throw a.error(t, "a log level 0-7 or emerg, alert, crit, error, warning, notice, info, debug");
            }
            l = (int) n;
          }
          level = l;
        }
        case "--log-tcp-sequence" -> flags |= Target.Log.TCP_SEQ;
        case "--log-tcp-options" -> flags |= Target.Log.TCP_OPT;
        case "--log-ip-options" -> flags |= Target.Log.IP_OPT;
        case "--log-uid" -> flags |= Target.Log.UID;
        default -> flags |= Target.Log.MACDECODE;
      }
    }

    @Override
    Target build(Args a, int proto, boolean protoInv) {
      return new Target.Log(prefix, level, flags);
    }
  }

  static final class CtB extends TargetBuilder {
    private String helper;
    private boolean notrack;

    CtB(Token at) {
      super("CT", at);
    }

    @Override
    List<String> names() {
      return List.of("--helper", "--notrack");
    }

    @Override
    Set<TableName> tables() {
      return Set.of(TableName.RAW);
    }

    @Override
    void apply(Token opt, Args a) throws RuleSyntaxException {
      if (opt.text().equals("--notrack")) {
        notrack = true;
        return;
      }
      Token t = a.value(opt, "a helper name");
      if (!t.text().equals("ftp")) {
        throw a.error(t, "a connection tracking helper statewall has: ftp");
      }
      helper = t.text();
    }

    @Override
    Target build(Args a, int proto, boolean protoInv) throws RuleSyntaxException {
      if (helper != null && notrack) {
        throw a.error(at, "either --notrack or --helper on CT, not both");
      }
      if (helper != null && (proto != 6 || protoInv)) {
        throw a.error(at, "-p tcp for CT --helper ftp (the ftp helper is TCP only)");
      }
      return new Target.Ct(helper, notrack, false);
    }
  }

  static final class NotrackB extends TargetBuilder {
    NotrackB(Token at) {
      super("NOTRACK", at);
    }

    @Override
    List<String> names() {
      return List.of();
    }

    @Override
    Set<TableName> tables() {
      return Set.of(TableName.RAW);
    }

    @Override
    void apply(Token opt, Args a) {}

    @Override
    Target build(Args a, int proto, boolean protoInv) {
      return new Target.Ct(null, true, true);
    }
  }
}
