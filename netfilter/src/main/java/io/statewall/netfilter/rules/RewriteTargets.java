package io.statewall.netfilter.rules;

import io.statewall.netfilter.packet.Family;
import io.statewall.netfilter.packet.IpAddress;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The builders of the targets that rewrite packets, marks or addresses (libxt_NAT, MARK, CONNMARK,
 * TOS, DSCP, TTL, HL, TCPMSS, CHECKSUM, CONNSECMARK): their options, the kernel's table, hook and
 * rule checks, and iptables-save's text. They build {@link Target.Rewrite}, which is never executed.
 */
final class RewriteTargets {
  private RewriteTargets() {}

  private static final String NAT_WHY =
      "it rewrites addresses or ports (NAT); statewall forwards packets unchanged";
  private static final String MARK_WHY =
      "it sets a packet or connection mark, which statewall does not keep";
  private static final String HEADER_WHY =
      "it rewrites the packet's header; statewall forwards packets unchanged";
  private static final String SECMARK_WHY = "it sets an SELinux security mark; the network has no SELinux";
  private static final Set<TableName> NAT = Set.of(TableName.NAT);
  private static final Set<TableName> MANGLE = Set.of(TableName.MANGLE);
  private static final int NAT_HOOKS = TableName.PREROUTING | TableName.INPUT | TableName.OUTPUT
      | TableName.POSTROUTING;

  static TargetBuilder create(String name, Token at, Family fam) {
    return switch (name) {
      case "SNAT" -> new NatB(name, at, fam, "--to-source", TableName.POSTROUTING | TableName.INPUT, true);
      case "DNAT" -> new NatB(name, at, fam, "--to-destination", TableName.PREROUTING | TableName.OUTPUT, false);
      case "MASQUERADE" -> new PortsB(name, at, TableName.POSTROUTING, true);
      case "REDIRECT" -> new PortsB(name, at, TableName.PREROUTING | TableName.OUTPUT, false);
      case "NETMAP" -> new NetmapB(at, fam);
      case "MARK" -> new MarkB(name, at, false);
      case "CONNMARK" -> new MarkB(name, at, true);
      case "TOS" -> new TosB(at);
      case "DSCP" -> new DscpB(at);
      case "TTL" -> fam == Family.IPV4 ? new TtlB(name, at, "ttl") : null;
      case "HL" -> fam == Family.IPV6 ? new TtlB(name, at, "hl") : null;
      case "TCPMSS" -> new TcpMssB(at, fam);
      case "CHECKSUM" -> new ChecksumB(at);
      case "CONNSECMARK" -> new ConnSecmarkB(at);
      case "SECMARK" -> new SecmarkB(at);
      default -> null;
    };
  }

  /** Options of one rewriting target: one value per name, printed by {@link #options}. */
  abstract static class Base extends TargetBuilder {
    final Family fam;
    final List<String> names;

    Base(String name, Token at, Family fam, List<String> names) {
      super(name, at);
      this.fam = fam;
      this.names = names;
    }

    @Override
    List<String> names() {
      return names;
    }

    abstract String options(Args a, int proto, boolean protoInv) throws RuleSyntaxException;

    abstract String why();

    boolean terminal() {
      return false;
    }

    @Override
    Target build(Args a, int proto, boolean protoInv) throws RuleSyntaxException {
      return new Target.Rewrite(name, options(a, proto, protoInv), terminal(), why());
    }

    RuleSyntaxException needs(Args a, String what) {
      return a.error(at, name + " target needs " + what);
    }
  }

  static boolean portProto(int proto, boolean inv) {
    return !inv && (proto == 6 || proto == 17 || proto == 132 || proto == 33);
  }

  /** {@code PORT[-PORT]} with numbers 0-65535, low not above high ("Port range funky"). */
  static int[] ports(Args a, Token t, String s) throws RuleSyntaxException {
    int dash = s.indexOf('-');
    long lo = Values.number(dash < 0 ? s : s.substring(0, dash), 0, 65535);
    long hi = dash < 0 ? lo : Values.number(s.substring(dash + 1), 0, 65535);
    if (lo < 0 || hi < 0 || hi < lo) {
      throw a.error(t, "a port or port range PORT[-PORT] with numbers 0-65535, low before high "
          + "(port range '" + s + "' funky)");
    }
    return new int[] {(int) lo, (int) hi};
  }

  static String portsText(int[] p) {
    return p[0] == p[1] ? Integer.toString(p[0]) : p[0] + "-" + p[1];
  }

  /** The nat table's targets: nat only, at their hooks, terminal, never enforced (the same reason). */
  abstract static class NatBase extends Base {
    private final int hooks;

    NatBase(String name, Token at, Family fam, List<String> names, int hooks) {
      super(name, at, fam, names);
      this.hooks = hooks;
    }

    @Override
    Set<TableName> tables() {
      return NAT;
    }

    @Override
    int hooks() {
      return hooks;
    }

    @Override
    boolean terminal() {
      return true;
    }

    @Override
    String why() {
      return NAT_WHY;
    }
  }

  // ------------------------------------------------------------ SNAT, DNAT

  static final class NatB extends NatBase {
    private final String toOption;
    private final boolean snat;
    private Token to;
    private String addrText = "";
    private int[] ports;

    NatB(String name, Token at, Family fam, String toOption, int hooks, boolean snat) {
      super(name, at, fam, snat ? List.of("--to-source", "--random", "--random-fully", "--persistent")
          : List.of("--to-destination", "--random", "--persistent"), hooks);
      this.toOption = toOption;
      this.snat = snat;
    }

    @Override
    void apply(Token opt, Args a) throws RuleSyntaxException {
      if (!opt.text().equals(toOption)) {
        return;
      }
      to = a.value(opt, "ADDR[-ADDR][:PORT[-PORT]]");
      String s = to.text();
      String addr = s;
      String port = null;
      if (fam == Family.IPV6 && s.startsWith("[")) {
        int close = s.indexOf(']');
        if (close < 0 || close + 1 >= s.length() || s.charAt(close + 1) != ':') {
          throw a.error(to, "[ADDR[-ADDR]]:PORT[-PORT] (bad IPv6 NAT range '" + s + "')");
        }
        addr = s.substring(1, close);
        port = s.substring(close + 2);
      } else if (fam == Family.IPV4) {
        int colon = s.indexOf(':');
        if (colon >= 0) {
          addr = s.substring(0, colon);
          port = s.substring(colon + 1);
        }
      }
      if (port != null) {
        ports = ports(a, to, port);
      }
      if (!addr.isEmpty()) {
        int dash = addr.indexOf('-');
        IpAddress lo = Values.address(dash < 0 ? addr : addr.substring(0, dash), fam);
        IpAddress hi = dash < 0 ? lo : Values.address(addr.substring(dash + 1), fam);
        if (lo == null || hi == null) {
          throw a.error(to, "an " + (fam == Family.IPV4 ? "IPv4" : "IPv6") + " address or range ADDR[-ADDR] "
              + "(bad IP address '" + addr + "')");
        }
        addrText = lo.equals(hi) ? lo.toString() : lo + "-" + hi;
      } else if (port == null) {
        throw a.error(to, "ADDR[-ADDR][:PORT[-PORT]] (bad IP address '')");
      }
    }

    @Override
    String options(Args a, int proto, boolean protoInv) throws RuleSyntaxException {
      if (to == null) {
        throw needs(a, toOption + " (option \"" + toOption + "\" must be specified)");
      }
      if (ports != null && !portProto(proto, protoInv)) {
        throw a.error(to, "-p tcp, udp, sctp or dccp before a port in " + toOption
            + " (Need TCP, UDP, SCTP or DCCP with port specification)");
      }
      StringBuilder sb = new StringBuilder(" ").append(toOption).append(' ');
      String p = ports == null ? null : portsText(ports);
      if (fam == Family.IPV6 && p != null && !addrText.isEmpty()) {
        sb.append('[').append(addrText).append("]:").append(p);
      } else {
        sb.append(addrText).append(p == null ? "" : ":" + p);
      }
      flags(sb);
      return sb.toString();
    }

    private void flags(StringBuilder sb) {
      if (seenOption("--random")) {
        sb.append(" --random");
      }
      if (snat && seenOption("--random-fully")) {
        sb.append(" --random-fully");
      }
      if (seenOption("--persistent")) {
        sb.append(" --persistent");
      }
    }
  }

  // ------------------------------------------------------------ MASQUERADE, REDIRECT

  static final class PortsB extends NatBase {
    private final boolean masquerade;
    private Token portsTok;
    private int[] ports;

    PortsB(String name, Token at, int hooks, boolean masquerade) {
      super(name, at, null, masquerade ? List.of("--to-ports", "--random", "--random-fully")
          : List.of("--to-ports", "--random"), hooks);
      this.masquerade = masquerade;
    }

    @Override
    void apply(Token opt, Args a) throws RuleSyntaxException {
      if (opt.text().equals("--to-ports")) {
        portsTok = a.value(opt, "PORT[-PORT]");
        ports = ports(a, portsTok, portsTok.text());
      }
    }

    @Override
    String options(Args a, int proto, boolean protoInv) throws RuleSyntaxException {
      StringBuilder sb = new StringBuilder();
      if (ports != null) {
        if (!portProto(proto, protoInv)) {
          throw a.error(portsTok, "-p tcp, udp, sctp or dccp before --to-ports "
              + "(Need TCP, UDP, SCTP or DCCP with port specification)");
        }
        sb.append(" --to-ports ").append(portsText(ports));
      }
      if (seenOption("--random")) {
        sb.append(" --random");
      }
      if (masquerade && seenOption("--random-fully")) {
        sb.append(" --random-fully");
      }
      return sb.toString();
    }
  }

  // ------------------------------------------------------------ NETMAP

  static final class NetmapB extends NatBase {
    private Cidr to;

    NetmapB(Token at, Family fam) {
      super("NETMAP", at, fam, List.of("--to"), NAT_HOOKS);
    }

    @Override
    void apply(Token opt, Args a) throws RuleSyntaxException {
      Token t = a.value(opt, "ADDR[/MASK]");
      to = Values.cidr(t.text(), fam);
      if (to == null || to.prefix() < 0) {
        throw a.error(t, "an " + (fam == Family.IPV4 ? "IPv4" : "IPv6") + " network ADDR[/MASK] "
            + "(bad network '" + t.text() + "')");
      }
    }

    @Override
    String options(Args a, int proto, boolean protoInv) throws RuleSyntaxException {
      if (to == null) {
        throw needs(a, "--to (option \"--to\" must be specified)");
      }
      return " --to " + to;
    }
  }

  // ------------------------------------------------------------ MARK, CONNMARK

  static final class MarkB extends Base {
    private final boolean conn;
    private Token op;
    private long value;
    private long mask;
    private long nfmask = 0xFFFF_FFFFL;
    private long ctmask = 0xFFFF_FFFFL;
    private Token masksTok;

    MarkB(String name, Token at, boolean conn) {
      super(name, at, null, conn
          ? List.of("--set-xmark", "--set-mark", "--and-mark", "--or-mark", "--xor-mark", "--save-mark",
              "--restore-mark", "--mask", "--nfmask", "--ctmask")
          : List.of("--set-xmark", "--set-mark", "--and-mark", "--or-mark", "--xor-mark"));
      this.conn = conn;
    }

    @Override
    String why() {
      return MARK_WHY;
    }

    @Override
    void apply(Token opt, Args a) throws RuleSyntaxException {
      String o = opt.text();
      switch (o) {
        case "--mask", "--nfmask", "--ctmask" -> {
          masksTok = opt;
          long m = Values.uint(a.value(opt, "a mask").text(), 0xFFFF_FFFFL);
          if (m < 0) {
            throw a.error(opt, "a 32-bit mask after " + o);
          }
          if (!o.equals("--ctmask")) {
            nfmask = m;
          }
          if (!o.equals("--nfmask")) {
            ctmask = m;
          }
          return;
        }
        default -> { }
      }
      if (op != null) {
        throw a.error(opt, name + ": one of --set-xmark, --set-mark, --and-mark, --or-mark, --xor-mark"
            + (conn ? ", --save-mark, --restore-mark" : "") + " (option \"" + op.text()
            + "\" cannot be used together with \"" + o + "\")");
      }
      op = opt;
      switch (o) {
        case "--save-mark", "--restore-mark" -> { }
        case "--set-xmark", "--set-mark" -> {
          long[] vm = Values.valueMask(a, a.value(opt, "VALUE[/MASK]"), 0xFFFF_FFFFL, 0xFFFF_FFFFL);
          value = vm[0];
          mask = o.equals("--set-mark") ? vm[0] | vm[1] : vm[1];
        }
        default -> {
          Token t = a.value(opt, "a 32-bit value");
          long v = Values.uint(t.text(), 0xFFFF_FFFFL);
          if (v < 0) {
            throw a.error(t, "a 32-bit value after " + o);
          }
          switch (o) {
            case "--and-mark" -> {
              value = 0;
              mask = ~v & 0xFFFF_FFFFL;
            }
            case "--or-mark" -> {
              value = v;
              mask = v;
            }
            default -> {
              value = v;
              mask = 0;
            }
          }
        }
      }
    }

    @Override
    String options(Args a, int proto, boolean protoInv) throws RuleSyntaxException {
      if (op == null) {
        throw needs(a, conn ? "an operation (CONNMARK target: No operation specified)"
            : "one of --set-xmark, --set-mark, --and-mark, --or-mark, --xor-mark");
      }
      String o = op.text();
      if (o.equals("--save-mark") || o.equals("--restore-mark")) {
        return " " + o + " --nfmask 0x" + Long.toHexString(nfmask) + " --ctmask 0x" + Long.toHexString(ctmask);
      }
      if (masksTok != null) {
        throw a.error(masksTok, masksTok.text() + " only with --save-mark or --restore-mark");
      }
      return " --set-xmark 0x" + Long.toHexString(value) + "/0x" + Long.toHexString(mask);
    }
  }

  // ------------------------------------------------------------ TOS, DSCP, TTL, HL

  static final class TosB extends Base {
    private static final Map<String, Integer> NAMES = Map.of("minimize-delay", 0x10,
        "maximize-throughput", 0x08, "maximize-reliability", 0x04, "minimize-cost", 0x02, "normal-service", 0x00);
    private Token op;
    private long value;
    private long mask;

    TosB(Token at) {
      super("TOS", at, null, List.of("--set-tos", "--and-tos", "--or-tos", "--xor-tos"));
    }

    @Override
    Set<TableName> tables() {
      return MANGLE;
    }

    @Override
    String why() {
      return HEADER_WHY;
    }

    @Override
    void apply(Token opt, Args a) throws RuleSyntaxException {
      if (op != null) {
        throw a.error(opt, "TOS: one of --set-tos, --and-tos, --or-tos, --xor-tos (only one action)");
      }
      op = opt;
      Token t = a.value(opt, "a TOS value");
      String o = opt.text();
      if (o.equals("--set-tos")) {
        Integer named = NAMES.get(t.text().toLowerCase(Locale.ROOT));
        if (named != null) {
          value = named;
          mask = 0x3F;
          return;
        }
        long[] vm = numeric(a, t, true);
        value = vm[0];
        mask = vm[1];
        return;
      }
      long v = numeric(a, t, false)[0];
      switch (o) {
        case "--and-tos" -> {
          value = 0;
          mask = ~v & 0xFF;
        }
        case "--or-tos" -> {
          value = v;
          mask = v;
        }
        default -> {
          value = v;
          mask = 0;
        }
      }
    }

    private static long[] numeric(Args a, Token t, boolean withMask) throws RuleSyntaxException {
      if (!withMask && t.text().contains("/")) {
        throw a.error(t, "a TOS value 0-0xff without a mask");
      }
      String s = t.text();
      int slash = s.indexOf('/');
      long v = Values.uint(slash < 0 ? s : s.substring(0, slash), 0xFF);
      long m = slash < 0 ? 0xFF : Values.uint(s.substring(slash + 1), 0xFF);
      if (v < 0 || m < 0) {
        throw a.error(t, "a TOS value 0-0xff[/mask] or a name Minimize-Delay, Maximize-Throughput, "
            + "Maximize-Reliability, Minimize-Cost, Normal-Service (symbolic name '" + s + "' is unknown)");
      }
      return new long[] {v, m};
    }

    @Override
    String options(Args a, int proto, boolean protoInv) throws RuleSyntaxException {
      if (op == null) {
        throw needs(a, "one of --set-tos, --and-tos, --or-tos, --xor-tos");
      }
      return String.format(Locale.ROOT, " --set-tos 0x%02x/0x%02x", value, mask);
    }
  }

  static final class DscpB extends Base {
    private static final Map<String, Integer> CLASSES = Map.ofEntries(Map.entry("CS0", 0x00),
        Map.entry("CS1", 0x08), Map.entry("CS2", 0x10), Map.entry("CS3", 0x18), Map.entry("CS4", 0x20),
        Map.entry("CS5", 0x28), Map.entry("CS6", 0x30), Map.entry("CS7", 0x38), Map.entry("BE", 0x00),
        Map.entry("AF11", 0x0a), Map.entry("AF12", 0x0c), Map.entry("AF13", 0x0e), Map.entry("AF21", 0x12),
        Map.entry("AF22", 0x14), Map.entry("AF23", 0x16), Map.entry("AF31", 0x1a), Map.entry("AF32", 0x1c),
        Map.entry("AF33", 0x1e), Map.entry("AF41", 0x22), Map.entry("AF42", 0x24), Map.entry("AF43", 0x26),
        Map.entry("EF", 0x2e));
    private int dscp = -1;

    DscpB(Token at) {
      super("DSCP", at, null, List.of("--set-dscp", "--set-dscp-class"));
    }

    @Override
    Set<TableName> tables() {
      return MANGLE;
    }

    @Override
    String why() {
      return HEADER_WHY;
    }

    @Override
    void apply(Token opt, Args a) throws RuleSyntaxException {
      if (dscp >= 0) {
        throw a.error(opt, "DSCP: one of --set-dscp and --set-dscp-class (only one allowed)");
      }
      Token t = a.value(opt, "a DSCP value");
      if (opt.text().equals("--set-dscp")) {
        long v = Values.uint(t.text(), 63);
        if (v < 0) {
          throw a.error(t, "a DSCP value 0-63 (bad value for option \"--set-dscp\", or out of range (0-63))");
        }
        dscp = (int) v;
      } else {
        Integer c = CLASSES.get(t.text().toUpperCase(Locale.ROOT));
        if (c == null) {
          throw a.error(t, "a DSCP class CS0-CS7, BE, AF11-AF43 or EF (invalid DSCP value '" + t.text() + "')");
        }
        dscp = c;
      }
    }

    @Override
    String options(Args a, int proto, boolean protoInv) throws RuleSyntaxException {
      if (dscp < 0) {
        throw needs(a, "--set-dscp or --set-dscp-class (parameter --set-dscp is required)");
      }
      return String.format(Locale.ROOT, " --set-dscp 0x%02x", dscp);
    }
  }

  static final class TtlB extends Base {
    private final String field;
    private String op;
    private long value;

    TtlB(String name, Token at, String field) {
      super(name, at, null, List.of("--" + field + "-set", "--" + field + "-dec", "--" + field + "-inc"));
      this.field = field;
    }

    @Override
    Set<TableName> tables() {
      return MANGLE;
    }

    @Override
    String why() {
      return HEADER_WHY;
    }

    @Override
    void apply(Token opt, Args a) throws RuleSyntaxException {
      if (op != null) {
        throw a.error(opt, name + ": one of " + String.join(", ", names) + " (only one action)");
      }
      Token t = a.value(opt, "a number");
      long min = opt.text().endsWith("-set") ? 0 : 1;
      long v = Values.uint(t.text(), 255);
      if (v < min) {
        throw a.error(t, "a number " + min + "-255 (bad value for option \"" + opt.text() + "\")");
      }
      op = opt.text();
      value = v;
    }

    @Override
    String options(Args a, int proto, boolean protoInv) throws RuleSyntaxException {
      if (op == null) {
        throw needs(a, "one of " + String.join(", ", names) + " (you must specify an action)");
      }
      return " " + op + " " + value;
    }
  }

  // ------------------------------------------------------------ TCPMSS, CHECKSUM, CONNSECMARK, SECMARK

  static final class TcpMssB extends Base {
    private int mss = -1;
    private boolean clamp;

    TcpMssB(Token at, Family fam) {
      super("TCPMSS", at, fam, List.of("--set-mss", "--clamp-mss-to-pmtu"));
    }

    @Override
    String why() {
      return "it rewrites the TCP MSS option of SYN packets; OpenFlow switches cannot rewrite TCP options";
    }

    @Override
    void apply(Token opt, Args a) throws RuleSyntaxException {
      // both options write the same field: the later one wins, as in libxt_TCPMSS
      if (opt.text().equals("--clamp-mss-to-pmtu")) {
        clamp = true;
        return;
      }
      int max = fam == Family.IPV4 ? 65535 - 20 : 65535 - 40;
      Token t = a.value(opt, "an MSS value");
      long v = Values.uint(t.text(), max);
      if (v < 0) {
        throw a.error(t, "an MSS 0-" + max + " (bad value for option \"--set-mss\", or out of range)");
      }
      mss = (int) v;
      clamp = false;
    }

    @Override
    int hooks() {
      return clamp ? TableName.FORWARD | TableName.OUTPUT | TableName.POSTROUTING : 0;
    }

    @Override
    void checkRule(Args a, List<Match> matches) throws RuleSyntaxException {
      for (Match m : matches) {
        if (m instanceof Match.Ports p && p.tcp() && p.flagMask() >= 0 && (p.flagCmp() & 0x02) != 0
            && !p.flagsInv()) {
          return;
        }
      }
      throw a.error(at, "-p tcp --tcp-flags SYN,RST SYN (or --syn) before -j TCPMSS "
          + "(the kernel says: Only works on TCP SYN packets)");
    }

    @Override
    Target build(Args a, int proto, boolean protoInv) throws RuleSyntaxException {
      if (proto != 6 || protoInv) {
        throw a.error(at, "-p tcp for TCPMSS (the kernel refuses it for other protocols)");
      }
      return super.build(a, proto, protoInv);
    }

    @Override
    String options(Args a, int proto, boolean protoInv) throws RuleSyntaxException {
      if (!clamp && mss < 0) {
        throw needs(a, "--set-mss or --clamp-mss-to-pmtu (at least one parameter is required)");
      }
      return clamp ? " --clamp-mss-to-pmtu" : " --set-mss " + mss;
    }
  }

  static final class ChecksumB extends Base {
    ChecksumB(Token at) {
      super("CHECKSUM", at, null, List.of("--checksum-fill"));
    }

    @Override
    Set<TableName> tables() {
      return MANGLE;
    }

    @Override
    String why() {
      return HEADER_WHY;
    }

    @Override
    void apply(Token opt, Args a) {}

    @Override
    String options(Args a, int proto, boolean protoInv) throws RuleSyntaxException {
      if (!seenOption("--checksum-fill")) {
        throw needs(a, "--checksum-fill (option \"--checksum-fill\" must be specified)");
      }
      return " --checksum-fill";
    }
  }

  static final class ConnSecmarkB extends Base {
    private String op;

    ConnSecmarkB(Token at) {
      super("CONNSECMARK", at, null, List.of("--save", "--restore"));
    }

    @Override
    Set<TableName> tables() {
      return Set.of(TableName.MANGLE, TableName.SECURITY);
    }

    @Override
    String why() {
      return SECMARK_WHY;
    }

    @Override
    void apply(Token opt, Args a) throws RuleSyntaxException {
      if (op != null) {
        throw a.error(opt, "CONNSECMARK: one of --save and --restore (only one flag)");
      }
      op = opt.text();
    }

    @Override
    String options(Args a, int proto, boolean protoInv) throws RuleSyntaxException {
      if (op == null) {
        throw needs(a, "--save or --restore (parameter required)");
      }
      return " " + op;
    }
  }

  /** SECMARK names an SELinux context, which the kernel resolves at commit: without an LSM it refuses. */
  static final class SecmarkB extends Base {
    SecmarkB(Token at) {
      super("SECMARK", at, null, List.of("--selctx"));
    }

    @Override
    String why() {
      return SECMARK_WHY;
    }

    @Override
    void apply(Token opt, Args a) throws RuleSyntaxException {
      a.value(opt, "a security context");
    }

    @Override
    String options(Args a, int proto, boolean protoInv) throws RuleSyntaxException {
      throw a.error(at, "a target statewall can check (SECMARK: the security context must be resolved by an "
          + "SELinux kernel, as the reference kernel without SELinux refuses it)");
    }
  }
}
