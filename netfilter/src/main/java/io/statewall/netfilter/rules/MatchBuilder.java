package io.statewall.netfilter.rules;

import io.statewall.netfilter.packet.Family;
import io.statewall.netfilter.packet.IpAddress;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.LongSupplier;

/**
 * Collects the options of one {@code -m} extension on a rule line and builds its {@link Match}:
 * one subclass per supported extension, mirroring iptables' libxt_* option parsers.
 */
abstract class MatchBuilder {
  /** The extensions a file may load with -m, for error messages. */
  static final String SUPPORTED =
      "tcp, udp, icmp, icmp6, state, conntrack, multiport, iprange, mac, length, limit, recent, helper, comment, pkttype, "
      + "ttl (IPv4), hl and rt (IPv6), statistic, sctp, connlimit, hashlimit, set, time, string; "
      + "rpfilter (raw and mangle); addrtype; checked only: mark, connmark";

  final String name;
  final Token at;
  boolean completed;
  private final Set<String> seen = new HashSet<>();
  private final List<String> options;

  MatchBuilder(String name, Token at) {
    this(name, at, null);
  }

  /** A builder whose extension's long options are {@code options} (null: the table below). */
  MatchBuilder(String name, Token at, List<String> options) {
    this.name = name;
    this.at = at;
    this.options = options;
  }

  /** The builder for {@code -m name}, or null when statewall has no such match. */
  static MatchBuilder create(String name, Token at, Family fam, MatchContext ctx) {
    return switch (name) {
      case "tcp" -> new PortsB(true, at);
      case "udp" -> new PortsB(false, at);
      case "icmp" -> fam == Family.IPV4 ? new IcmpB(fam, at) : null;
      case "icmp6" -> fam == Family.IPV6 ? new IcmpB(fam, at) : null;
      case "state" -> new ConntrackB(true, at, fam);
      case "conntrack" -> new ConntrackB(false, at, fam);
      case "multiport" -> new MultiportB(at);
      case "iprange" -> new IpRangeB(at, fam);
      case "mac" -> new MacB(at);
      case "length" -> new LengthB(at);
      case "limit" -> new LimitB(at, ctx.nanoClock());
      case "recent" -> new RecentMatchBuilder(at, fam, ctx.recent());
      case "helper" -> new HelperB(at);
      case "comment" -> new CommentB(at);
      case "pkttype" -> new PktTypeB(at);
      case "ttl" -> fam == Family.IPV4 ? new HopLimitMatchBuilder(at, fam) : null;
      case "hl" -> fam == Family.IPV6 ? new HopLimitMatchBuilder(at, fam) : null;
      case "statistic" -> new StatisticMatchBuilder(at);
      case "sctp" -> new SctpMatchBuilder(at);
      case "rt" -> fam == Family.IPV6 ? new RtMatchBuilder(at) : null;
      case "connlimit" -> new ConnLimitMatchBuilder(at, fam);
      case "hashlimit" -> new HashLimitMatchBuilder(at, fam, ctx.hashLimits());
      case "set" -> new SetMatchBuilder(at, fam, ctx.sets());
      case "time" -> new TimeMatchBuilder(at, ctx.epochMillis());
      case "string" -> new StringMatchBuilder(at);
      default -> CheckedMatches.create(name, at, fam);
    };
  }

  /** The canonical option name for {@code opt} (aliases folded), or null when not ours. */
  String option(String opt) {
    return names().contains(opt) ? opt : null;
  }

  private static final Map<String, List<String>> NAMES = Map.ofEntries(
      Map.entry("tcp", List.of("--sport", "--source-port", "--dport", "--destination-port", "--tcp-flags",
          "--syn", "--tcp-option")),
      Map.entry("udp", List.of("--sport", "--source-port", "--dport", "--destination-port")),
      Map.entry("icmp", List.of("--icmp-type")),
      Map.entry("icmp6", List.of("--icmpv6-type")),
      Map.entry("state", List.of("--state")),
      Map.entry("conntrack", List.of("--ctstate", "--ctproto", "--ctorigsrc", "--ctorigdst", "--ctreplsrc",
          "--ctrepldst", "--ctstatus", "--ctexpire", "--ctorigsrcport", "--ctorigdstport", "--ctreplsrcport",
          "--ctrepldstport", "--ctdir")),
      Map.entry("multiport", List.of("--sports", "--source-ports", "--dports", "--destination-ports",
          "--ports")),
      Map.entry("iprange", List.of("--src-range", "--dst-range")),
      Map.entry("mac", List.of("--mac-source")),
      Map.entry("length", List.of("--length")),
      Map.entry("limit", List.of("--limit", "--limit-burst")),
      Map.entry("helper", List.of("--helper")),
      Map.entry("comment", List.of("--comment")),
      Map.entry("pkttype", List.of("--pkt-type")));

  /** Every long option of the extension as getopt knows it, for unambiguous abbreviations. */
  List<String> names() {
    return options != null ? options : NAMES.getOrDefault(name, List.of());
  }

  /** The hooks the kernel allows this match in with its options (TableName hook bits), 0 for any. */
  int hooks() {
    return 0;
  }

  /** Whether {@code ! --opt} is allowed. */
  boolean invertible(String canonical) {
    return true;
  }

  final void parse(Token opt, boolean inv, Args a, int proto) throws RuleSyntaxException {
    String o = option(opt.text());
    if (inv && !invertible(o)) {
      throw a.error(opt, name + ": " + opt.text() + " without '!' (it cannot be inverted)");
    }
    if (!seen.add(o)) {
      throw a.error(opt, "one " + opt.text() + " per " + name + " match (only one allowed)");
    }
    apply(o, opt, inv, a, proto);
  }

  boolean has(String canonical) {
    return seen.contains(canonical);
  }

  abstract void apply(String o, Token opt, boolean inv, Args a, int proto) throws RuleSyntaxException;

  abstract Match build(Args a) throws RuleSyntaxException;

  RuleSyntaxException missing(Args a, String what) {
    return a.error(at, name + " match needs " + what);
  }

  static String protoName(int proto) {
    return proto == 17 ? "udp" : proto == 132 ? "sctp" : "tcp";
  }

  // ---------------------------------------------------------------- tcp / udp

  static final class PortsB extends MatchBuilder {
    private final boolean tcp;
    private PortRange sport;
    private PortRange dport;
    private boolean sInv;
    private boolean dInv;
    private int mask = -1;
    private int cmp;
    private boolean fInv;
    private int option;
    private boolean oInv;

    PortsB(boolean tcp, Token at) {
      super(tcp ? "tcp" : "udp", at);
      this.tcp = tcp;
    }

    @Override
    String option(String o) {
      return switch (o) {
        case "--sport", "--source-port" -> "--sport";
        case "--dport", "--destination-port" -> "--dport";
        case "--tcp-flags", "--syn" -> tcp ? "--tcp-flags" : null;
        case "--tcp-option" -> tcp ? o : null;
        default -> null;
      };
    }

    @Override
    void apply(String o, Token opt, boolean inv, Args a, int proto) throws RuleSyntaxException {
      switch (o) {
        case "--sport" -> {
          sport = Values.portRange(a, a.value(opt, "a port or port range"), name, tcp);
          sInv = inv;
        }
        case "--dport" -> {
          dport = Values.portRange(a, a.value(opt, "a port or port range"), name, tcp);
          dInv = inv;
        }
        case "--tcp-option" -> {
          Token t = a.value(opt, "a TCP option kind 1-255");
          long v = Values.uint(t.text(), 255);
          if (v < 1) {
            throw a.error(t, "a TCP option kind 1-255 (Bad TCP option \"" + t.text() + "\")");
          }
          option = (int) v;
          oInv = inv;
        }
        default -> {
          fInv = inv;
          if (opt.text().equals("--syn")) {
            mask = 0x17;
            cmp = 0x02;
          } else {
            mask = flags(a, a.value(opt, "a flag mask such as SYN,ACK,FIN,RST"));
            cmp = flags(a, a.value(opt, "the flags that must be set, such as SYN"));
          }
        }
      }
    }

    private static int flags(Args a, Token t) throws RuleSyntaxException {
      int v = 0;
      for (String f : t.text().split(",", -1)) {
        int i = Match.Ports.FLAGS.indexOf(f.toUpperCase(Locale.ROOT));
        if (i >= 0) {
          v |= 1 << i;
        } else if (f.equalsIgnoreCase("ALL")) {
          v |= 0x3F;
        } else if (!f.equalsIgnoreCase("NONE")) {
          throw a.error(t, "TCP flags from FIN,SYN,RST,PSH,ACK,URG,ALL,NONE (unknown TCP flag '" + f + "')");
        }
      }
      return v;
    }

    @Override
    Match build(Args a) {
      return new Match.Ports(tcp, sport, sInv, dport, dInv, mask, cmp, fInv, option, oInv);
    }
  }

  // ---------------------------------------------------------------- icmp / icmp6

  static final class IcmpB extends MatchBuilder {
    private final Family family;
    private int[] tc;
    private boolean inv;

    IcmpB(Family family, Token at) {
      super(family == Family.IPV6 ? "icmp6" : "icmp", at);
      this.family = family;
    }

    @Override
    String option(String o) {
      return o.equals(typeOption()) ? o : null;
    }

    @Override
    void apply(String o, Token opt, boolean inv, Args a, int proto) throws RuleSyntaxException {
      Token t = a.value(opt, "an ICMP type name or TYPE[/CODE]");
      tc = IcmpTypes.parse(t.text(), family);
      if (tc == null) {
        throw a.error(t, "an ICMP" + (family == Family.IPV6 ? "v6" : "") + " type name or TYPE[/CODE] with numbers 0-255 "
            + "(invalid ICMP type '" + t.text() + "')");
      }
      this.inv = inv;
    }

    @Override
    Match build(Args a) throws RuleSyntaxException {
      if (tc == null) {
        throw missing(a, typeOption());
      }
      return new Match.Icmp(family, tc[0], tc[1], tc[2], inv);
    }

    private String typeOption() {
      return family == Family.IPV6 ? "--icmpv6-type" : "--icmp-type";
    }
  }

  // ---------------------------------------------------------------- state / conntrack

  static final class ConntrackB extends MatchBuilder {
    private final boolean alias;
    private final Family fam;
    private int state = -1;
    private boolean stateInv;
    private int proto = -1;
    private boolean protoInv;
    private final List<Match.Conntrack.CtAddr> addrs = new ArrayList<>();
    private final List<Match.Conntrack.CtPort> ports = new ArrayList<>();
    private int status = -1;
    private boolean statusInv;
    private long[] expires;
    private boolean expInv;
    private int dir = -1;

    ConntrackB(boolean alias, Token at, Family fam) {
      super(alias ? "state" : "conntrack", at);
      this.alias = alias;
      this.fam = fam;
    }

    @Override
    String option(String o) {
      if (alias) {
        return o.equals("--state") ? o : null;
      }
      return switch (o) {
        case "--ctstate", "--ctproto", "--ctorigsrc", "--ctorigdst", "--ctreplsrc", "--ctrepldst", "--ctstatus",
            "--ctorigsrcport", "--ctorigdstport", "--ctreplsrcport", "--ctrepldstport", "--ctdir", "--ctexpire" -> o;
        default -> null;
      };
    }

    @Override
    boolean invertible(String o) {
      return !o.equals("--ctdir");
    }

    private static Match.Conntrack.Field field(String o) {
      return switch (o.substring(4, 11)) {
        case "origsrc" -> Match.Conntrack.Field.ORIGSRC;
        case "origdst" -> Match.Conntrack.Field.ORIGDST;
        case "replsrc" -> Match.Conntrack.Field.REPLSRC;
        default -> Match.Conntrack.Field.REPLDST;
      };
    }

    @Override
    void apply(String o, Token opt, boolean inv, Args a, int ruleProto) throws RuleSyntaxException {
      switch (o) {
        case "--state", "--ctstate" -> {
          Token t = a.value(opt, "a list of states");
          state = 0;
          for (String s : t.text().split(",", -1)) {
            Match.StateBit b = null;
            for (Match.StateBit x : Match.StateBit.values()) {
              if (x.name().equalsIgnoreCase(s) && (!alias || x.ordinal() <= Match.StateBit.UNTRACKED.ordinal())) {
                b = x;
              }
            }
            if (b == null) {
              throw a.error(t, "states from INVALID,NEW,RELATED,ESTABLISHED,UNTRACKED"
                  + (alias ? "" : ",SNAT,DNAT") + " (bad state '" + s + "')");
            }
            state |= 1 << b.ordinal();
          }
          stateInv = inv;
        }
        case "--ctproto" -> {
          Token t = a.value(opt, "a protocol");
          proto = Netbase.get().protocol(t.text());
          if (proto <= 0) {
            throw a.error(t, "a protocol name or number 1-255 (unknown protocol '" + t.text() + "')");
          }
          protoInv = inv;
        }
        case "--ctorigsrc", "--ctorigdst", "--ctreplsrc", "--ctrepldst" -> {
          Token t = a.value(opt, "an address");
          Cidr c = Values.cidr(t.text(), fam);
          if (c == null) {
            throw a.error(t, "one " + (fam == Family.IPV4 ? "IPv4" : "IPv6") + " address[/mask]");
          }
          IpAddress shown = Values.address(t.text().split("/")[0], fam);
          addrs.add(new Match.Conntrack.CtAddr(field(o), c, shown, inv));
        }
        case "--ctorigsrcport", "--ctorigdstport", "--ctreplsrcport", "--ctrepldstport" -> {
          Token t = a.value(opt, "a port or port range");
          // XTTYPE_PORTRC: names as for tcp, "a:b", open ends; a reversed range loads (and matches nothing)
          PortRange r = Values.portRange(a, t, "tcp", false);
          ports.add(new Match.Conntrack.CtPort(field(o), r.lo(), r.hi(), inv));
        }
        case "--ctdir" -> {
          Token t = a.value(opt, "ORIGINAL or REPLY");
          String d = t.text().toUpperCase(Locale.ROOT);
          if (!d.equals("ORIGINAL") && !d.equals("REPLY")) {
            throw a.error(t, "ORIGINAL or REPLY (Bad value for \"--ctdir\" option: \"" + t.text() + "\")");
          }
          dir = d.equals("ORIGINAL") ? 0 : 1;
        }
        case "--ctexpire" -> {
          expires = Values.uintRange(a, a.value(opt, "seconds N or N:M"), o);
          expInv = inv;
        }
        default -> {
          Token t = a.value(opt, "a list of status bits");
          status = 0;
          for (String s : t.text().split(",", -1)) {
            int i = Match.Conntrack.STATUS.indexOf(s.toUpperCase(Locale.ROOT));
            if (i >= 0) {
              status |= 1 << i;
            } else if (!s.equalsIgnoreCase("NONE")) {
              throw a.error(t, "status bits from NONE,EXPECTED,SEEN_REPLY,ASSURED,CONFIRMED (bad ctstatus '"
                  + s + "')");
            }
          }
          statusInv = inv;
        }
      }
    }

    @Override
    Match build(Args a) throws RuleSyntaxException {
      if (state < 0 && proto < 0 && addrs.isEmpty() && ports.isEmpty() && status < 0 && expires == null && dir < 0) {
        throw missing(a, alias ? "--state" : "one or more options");
      }
      return new Match.Conntrack(alias, state, stateInv, proto, protoInv, addrs, ports, status, statusInv,
          expires == null ? -1 : expires[0], expires == null ? -1 : expires[1], expInv, dir);
    }
  }

  // ---------------------------------------------------------------- multiport

  static final class MultiportB extends MatchBuilder {
    private Match.Multiport.Which which;
    private List<PortRange> ports;
    private boolean inv;
    private Token opt;

    MultiportB(Token at) {
      super("multiport", at);
    }

    @Override
    String option(String o) {
      return switch (o) {
        case "--sports", "--source-ports", "--dports", "--destination-ports", "--ports" -> "--ports";
        default -> null;
      };
    }

    @Override
    void apply(String o, Token opt, boolean inv, Args a, int proto) throws RuleSyntaxException {
      this.opt = opt;
      which = switch (opt.text()) {
        case "--sports", "--source-ports" -> Match.Multiport.Which.SOURCE;
        case "--dports", "--destination-ports" -> Match.Multiport.Which.DESTINATION;
        default -> Match.Multiport.Which.EITHER;
      };
      this.inv = inv;
      Token t = a.value(opt, "a comma-separated list of ports and ranges");
      ports = new ArrayList<>();
      int count = 0;
      for (String p : t.text().split(",", -1)) {
        PortRange r = Values.portRange(a, new Token(p, t.column()), protoName(proto), true);
        count += r.lo() == r.hi() ? 1 : 2;
        ports.add(r);
      }
      if (count > 15) {
        throw a.error(t, "at most 15 ports, a range counting two (too many ports specified)");
      }
    }

    Token optionToken() {
      return opt;
    }

    @Override
    Match build(Args a) throws RuleSyntaxException {
      if (ports == null) {
        throw missing(a, "--sports, --dports or --ports");
      }
      return new Match.Multiport(which, List.copyOf(ports), inv);
    }
  }

  // ---------------------------------------------------------------- iprange

  static final class IpRangeB extends MatchBuilder {
    private final Family fam;
    private IpAddress[] src;
    private IpAddress[] dst;
    private boolean sInv;
    private boolean dInv;

    IpRangeB(Token at, Family fam) {
      super("iprange", at);
      this.fam = fam;
    }

    @Override
    String option(String o) {
      return o.equals("--src-range") || o.equals("--dst-range") ? o : null;
    }

    @Override
    void apply(String o, Token opt, boolean inv, Args a, int proto) throws RuleSyntaxException {
      Token t = a.value(opt, "FROM-TO");
      String[] parts = t.text().split("-", -1);
      IpAddress lo = parts.length == 2 ? Values.address(parts[0], fam) : null;
      IpAddress hi = parts.length == 2 ? Values.address(parts[1], fam) : lo;
      if (parts.length == 1) {
        lo = Values.address(parts[0], fam);
        hi = lo;
      }
      if (lo == null || hi == null) {
        throw a.error(t, "an address range FROM-TO of " + (fam == Family.IPV4 ? "IPv4" : "IPv6") + " addresses");
      }
      if (o.equals("--src-range")) {
        src = new IpAddress[] {lo, hi};
        sInv = inv;
      } else {
        dst = new IpAddress[] {lo, hi};
        dInv = inv;
      }
    }

    @Override
    Match build(Args a) throws RuleSyntaxException {
      if (src == null && dst == null) {
        throw missing(a, "--src-range or --dst-range");
      }
      return new Match.IpRange(src == null ? null : src[0], src == null ? null : src[1], sInv,
          dst == null ? null : dst[0], dst == null ? null : dst[1], dInv);
    }
  }

  // ---------------------------------------------------------------- mac

  static final class MacB extends MatchBuilder {
    private long mac = -1;
    private boolean inv;

    MacB(Token at) {
      super("mac", at);
    }

    @Override
    String option(String o) {
      return o.equals("--mac-source") ? o : null;
    }

    @Override
    void apply(String o, Token opt, boolean inv, Args a, int proto) throws RuleSyntaxException {
      Token t = a.value(opt, "a MAC address XX:XX:XX:XX:XX:XX");
      if (!t.text().matches("[0-9A-Fa-f]{1,2}(:[0-9A-Fa-f]{1,2}){5}")) {
        throw a.error(t, "a MAC address XX:XX:XX:XX:XX:XX (bad mac address)");
      }
      long v = 0;
      for (String b : t.text().split(":")) {
        v = (v << 8) | Integer.parseInt(b, 16);
      }
      mac = v;
      this.inv = inv;
    }

    @Override
    Match build(Args a) throws RuleSyntaxException {
      if (mac < 0) {
        throw missing(a, "--mac-source");
      }
      return new Match.Mac(mac, inv);
    }
  }

  // ---------------------------------------------------------------- length

  static final class LengthB extends MatchBuilder {
    private int min = -1;
    private int max;
    private boolean inv;

    LengthB(Token at) {
      super("length", at);
    }

    @Override
    String option(String o) {
      return o.equals("--length") ? o : null;
    }

    @Override
    void apply(String o, Token opt, boolean inv, Args a, int proto) throws RuleSyntaxException {
      Token t = a.value(opt, "LENGTH or MIN:MAX");
      String[] p = t.text().split(":", -1);
      long lo = p.length <= 2 ? (p[0].isEmpty() ? 0 : Values.number(p[0], 0, 65535)) : -1;
      long hi = p.length == 1 ? lo : p.length == 2 ? (p[1].isEmpty() ? 65535 : Values.number(p[1], 0, 65535)) : -1;
      if (lo < 0 || hi < 0 || lo > hi) {
        throw a.error(t, "LENGTH or MIN:MAX with 0 <= MIN <= MAX <= 65535");
      }
      min = (int) lo;
      max = (int) hi;
      this.inv = inv;
    }

    @Override
    Match build(Args a) throws RuleSyntaxException {
      if (min < 0) {
        throw missing(a, "--length");
      }
      return new Match.Length(min, max, inv);
    }
  }

  // ---------------------------------------------------------------- limit

  static final class LimitB extends MatchBuilder {
    /** HZ * CREDITS_PER_JIFFY: 32000 for kernels built with HZ=250 or HZ=1000. */
    private static final long HZ_CPJ = 32_000;

    /** The kernel's user2credits, in its unsigned 32-bit arithmetic. */
    static long credits(long user) {
      if (user > 0xFFFF_FFFFL / HZ_CPJ) {
        return ((user / Match.Limit.SCALE) * HZ_CPJ) & 0xFFFF_FFFFL;
      }
      return (user * HZ_CPJ) / Match.Limit.SCALE;
    }

    private final LongSupplier clock;
    private long avg = Match.Limit.SCALE * 3600 / 3;
    private int burst = 5;

    LimitB(Token at, LongSupplier clock) {
      super("limit", at);
      this.clock = clock;
    }

    @Override
    String option(String o) {
      return o.equals("--limit") || o.equals("--limit-burst") ? o : null;
    }

    @Override
    boolean invertible(String o) {
      return false;
    }

    @Override
    void apply(String o, Token opt, boolean inv, Args a, int proto) throws RuleSyntaxException {
      Token t = a.value(opt, o.equals("--limit") ? "a rate N/second|minute|hour|day" : "a burst 1-10000");
      if (o.equals("--limit-burst")) {
        long b = Values.number(t.text(), 0, 10000);
        if (b < 0) {
          throw a.error(t, "a burst 0-10000 (bad --limit-burst)");
        }
        burst = (int) b;
        return;
      }
      String s = t.text();
      int slash = s.indexOf('/');
      long mult = Rates.unitSeconds(s);
      long r = Values.number(slash >= 0 ? s.substring(0, slash) : s, 1, 0xFFFF_FFFFL);
      if (mult < 0 || r < 1 || Match.Limit.SCALE * mult / r == 0) {
        throw a.error(t, "a rate N/second|minute|hour|day, at most 10000/second (bad rate '" + s + "')");
      }
      avg = Match.Limit.SCALE * mult / r;
    }

    @Override
    Match build(Args a) throws RuleSyntaxException {
      // limit_mt_check: a zero burst, or a bucket whose credits overflow 32 bits, is refused
      long wrapped = (avg * burst) & 0xFFFF_FFFFL;
      if (burst == 0 || credits(wrapped) < credits(avg)) {
        throw a.error(at, "a rate and burst whose product fits in 32 bits (the kernel says: Overflow, try lower)");
      }
      return new Match.Limit(avg, burst, new Match.Limit.Bucket(clock, avg, burst));
    }
  }

  // ---------------------------------------------------------------- helper, comment, pkttype

  static final class HelperB extends MatchBuilder {
    private String helper;
    private boolean inv;

    HelperB(Token at) {
      super("helper", at);
    }

    @Override
    String option(String o) {
      return o.equals("--helper") ? o : null;
    }

    @Override
    void apply(String o, Token opt, boolean inv, Args a, int proto) throws RuleSyntaxException {
      helper = a.value(opt, "a helper name").text();
      if (helper.length() > 29) {
        throw a.error(opt, "a helper name of at most 29 characters");
      }
      this.inv = inv;
    }

    @Override
    Match build(Args a) throws RuleSyntaxException {
      if (helper == null) {
        throw missing(a, "--helper");
      }
      return new Match.Helper(helper, inv);
    }
  }

  static final class CommentB extends MatchBuilder {
    private String text;

    CommentB(Token at) {
      super("comment", at);
    }

    @Override
    String option(String o) {
      return o.equals("--comment") ? o : null;
    }

    @Override
    boolean invertible(String o) {
      return false;
    }

    @Override
    void apply(String o, Token opt, boolean inv, Args a, int proto) throws RuleSyntaxException {
      Token t = a.value(opt, "a comment");
      if (t.text().length() > 255) {
        throw a.error(t, "a comment of at most 255 characters");
      }
      text = t.text();
    }

    @Override
    Match build(Args a) throws RuleSyntaxException {
      if (text == null) {
        throw missing(a, "--comment");
      }
      return new Match.Comment(text);
    }
  }

  static final class PktTypeB extends MatchBuilder {
    private String type;
    private boolean inv;

    PktTypeB(Token at) {
      super("pkttype", at);
    }

    @Override
    String option(String o) {
      return o.equals("--pkt-type") ? o : null;
    }

    @Override
    void apply(String o, Token opt, boolean inv, Args a, int proto) throws RuleSyntaxException {
      Token t = a.value(opt, "unicast, broadcast or multicast");
      String v = t.text().toLowerCase(Locale.ROOT);
      type = switch (v) {
        case "unicast", "host" -> "unicast";
        case "broadcast", "multicast", "otherhost" -> v;
        default -> throw a.error(t, "a packet type unicast, broadcast, multicast or otherhost");
      };
      this.inv = inv;
    }

    @Override
    Match build(Args a) throws RuleSyntaxException {
      if (type == null) {
        throw missing(a, "--pkt-type");
      }
      return new Match.PktType(type, inv);
    }
  }
}
