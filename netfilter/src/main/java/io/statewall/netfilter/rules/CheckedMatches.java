package io.statewall.netfilter.rules;

import io.statewall.netfilter.packet.Family;
import java.util.List;
import java.util.Locale;

/**
 * The builders of matches statewall reads, checks and prints but does not decide (libxt_mark,
 * libxt_connmark): they build {@link Match.Checked}; and libxt_addrtype's and libxt_rpfilter's.
 */
final class CheckedMatches {
  private CheckedMatches() {}

  static MatchBuilder create(String name, Token at, Family fam) {
    return switch (name) {
      case "addrtype" -> new AddrTypeB(at, fam);
      case "mark", "connmark" -> new MarkB(name, at);
      case "rpfilter" -> new RpFilterB(at);
      default -> null;
    };
  }

  /**
   * -m addrtype: the kernel's route types, in its bit order (as iptables-save prints them); IPv6 refuses
   * BROADCAST, BLACKHOLE and PROHIBIT..XRESOLVE as xt_addrtype's checkentry does.
   */
  static final class AddrTypeB extends MatchBuilder {
    private final Family fam;
    private int src = -1;
    private boolean srcInv;
    private int dst = -1;
    private boolean dstInv;
    private String limit;

    AddrTypeB(Token at, Family fam) {
      super("addrtype", at, List.of("--src-type", "--dst-type", "--limit-iface-in", "--limit-iface-out"));
      this.fam = fam;
    }

    @Override
    String option(String o) {
      return names().contains(o) ? (o.startsWith("--limit") ? "--limit-iface" : o) : null;
    }

    @Override
    boolean invertible(String o) {
      return !o.equals("--limit-iface");
    }

    @Override
    void apply(String o, Token opt, boolean inv, Args a, int proto) throws RuleSyntaxException {
      if (o.equals("--limit-iface")) {
        if (limit != null && !limit.equals(opt.text())) {
          throw a.error(opt, "one of --limit-iface-in and --limit-iface-out (option \"--limit-iface-in\" cannot be "
              + "used together with \"--limit-iface-out\")");
        }
        limit = opt.text();
        return;
      }
      Token t = a.value(opt, "a list of address types");
      int mask = 0;
      for (String s : t.text().split(",", -1)) {
        int i = AddrTypeMatch.TYPES.indexOf(s.toUpperCase(Locale.ROOT));
        if (i < 0) {
          throw a.error(t, "address types from " + String.join(",", AddrTypeMatch.TYPES) + " (bad type '" + s + "')");
        }
        // xt_addrtype's checkentry for IPv6: BROADCAST, BLACKHOLE and PROHIBIT and above are not supported
        if (fam == Family.IPV6 && (i == 3 || i == 6 || i >= 8)) {
          throw a.error(t, "an IPv6 address type: UNSPEC, UNICAST, LOCAL, ANYCAST, MULTICAST or UNREACHABLE "
              + "(the kernel: ipv6 does not support " + AddrTypeMatch.TYPES.get(i) + " matching)");
        }
        mask |= 1 << i;
      }
      if (o.equals("--src-type")) {
        src = mask;
        srcInv = inv;
      } else {
        dst = mask;
        dstInv = inv;
      }
    }

    @Override
    int hooks() {
      if (limit == null) {
        return 0;
      }
      return limit.endsWith("-in") ? TableName.PREROUTING | TableName.INPUT | TableName.FORWARD
          : TableName.FORWARD | TableName.OUTPUT | TableName.POSTROUTING;
    }

    @Override
    Match build(Args a) throws RuleSyntaxException {
      if (src < 0 && dst < 0) {
        throw missing(a, "--src-type or --dst-type");
      }
      int lim = limit == null ? 0 : limit.endsWith("-in") ? AddrTypeMatch.LIMIT_IN : AddrTypeMatch.LIMIT_OUT;
      return new AddrTypeMatch(src, srcInv, dst, dstInv, lim, fam);
    }
  }

  /** -m mark / -m connmark --mark VALUE[/MASK]. */
  static final class MarkB extends MatchBuilder {
    private long[] vm;
    private boolean inv;

    MarkB(String name, Token at) {
      super(name, at, List.of("--mark"));
    }

    @Override
    void apply(String o, Token opt, boolean inv, Args a, int proto) throws RuleSyntaxException {
      vm = Values.valueMask(a, a.value(opt, "VALUE[/MASK]"), 0xFFFF_FFFFL, 0xFFFF_FFFFL);
      this.inv = inv;
    }

    @Override
    Match build(Args a) throws RuleSyntaxException {
      if (vm == null) {
        throw missing(a, "--mark (option \"--mark\" must be specified)");
      }
      String text = " -m " + name + (inv ? " !" : "") + " --mark 0x" + Long.toHexString(vm[0])
          + (vm[1] == 0xFFFF_FFFFL ? "" : "/0x" + Long.toHexString(vm[1]));
      return new Match.Checked(name, text, name.equals("mark")
          ? "it tests the packet mark, which statewall does not keep (MARK is not enforced)"
          : "it tests the connection mark, which statewall's conntrack does not keep yet");
    }
  }

  /** -m rpfilter: four flags, none negatable; only PREROUTING of raw and mangle (xt_rpfilter's checks). */
  static final class RpFilterB extends MatchBuilder {
    private static final List<String> FLAGS = List.of("--loose", "--validmark", "--accept-local", "--invert");
    private int flags;

    RpFilterB(Token at) {
      super("rpfilter", at, FLAGS);
    }

    @Override
    boolean invertible(String o) {
      return false;
    }

    @Override
    void apply(String o, Token opt, boolean inv, Args a, int proto) {
      flags |= 1 << FLAGS.indexOf(o);
    }

    @Override
    int hooks() {
      return TableName.PREROUTING;
    }

    @Override
    Match build(Args a) {
      return new RpFilterMatch((flags & 1) != 0, (flags & 2) != 0, (flags & 4) != 0, (flags & 8) != 0);
    }
  }
}
