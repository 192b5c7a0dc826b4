package io.statewall.netfilter.rules;

import io.statewall.netfilter.packet.Family;
import io.statewall.netfilter.packet.IpAddress;
import java.util.List;

/** {@code -m connlimit}: libxt_connlimit's options. */
final class ConnLimitMatchBuilder extends MatchBuilder {
  private static final List<String> NAMES = List.of("--connlimit-upto", "--connlimit-above", "--connlimit-mask",
      "--connlimit-saddr", "--connlimit-daddr");

  private final Family fam;
  private long limit = -1;
  private boolean upto;
  private Token limitTok;
  private Cidr mask;
  private Token sideTok;
  private boolean dest;

  ConnLimitMatchBuilder(Token at, Family fam) {
    super("connlimit", at, NAMES);
    this.fam = fam;
  }

  @Override
  boolean invertible(String o) {
    return o.equals("--connlimit-upto") || o.equals("--connlimit-above");
  }

  @Override
  void apply(String o, Token opt, boolean inv, Args a, int proto) throws RuleSyntaxException {
    switch (o) {
      case "--connlimit-upto", "--connlimit-above" -> {
        if (limitTok != null) {
          throw a.error(opt, "one of --connlimit-upto or --connlimit-above (option \"" + o
              + "\" cannot be used together with \"" + limitTok.text() + "\")");
        }
        Token t = a.value(opt, "a number of connections");
        limit = Values.uint(t.text(), 0xFFFF_FFFFL);
        if (limit < 0) {
          throw a.error(t, "a number 0-4294967295 (bad value for option \"" + o + "\", or out of range (0-4294967295))");
        }
        // the kernel keeps upto as an inverted above
        upto = o.equals("--connlimit-upto") != inv;
        limitTok = opt;
      }
      case "--connlimit-mask" -> mask = mask(a, a.value(opt, "a prefix length or a network mask"));
      default -> {
        if (sideTok != null) {
          throw a.error(opt, "one of --connlimit-saddr or --connlimit-daddr (option \"" + o
              + "\" cannot be used together with \"" + sideTok.text() + "\")");
        }
        sideTok = opt;
        dest = o.equals("--connlimit-daddr");
      }
    }
  }

  /** A prefix length of the family, or a contiguous network mask written as an address. */
  private Cidr mask(Args a, Token t) throws RuleSyntaxException {
    int bits = fam == Family.IPV4 ? 32 : 128;
    IpAddress zero = fam == Family.IPV4 ? IpAddress.v4(0) : IpAddress.v6(0, 0);
    long n = Values.uint(t.text(), bits);
    if (n >= 0) {
      return Cidr.of(zero, (int) n);
    }
    IpAddress m = Values.address(t.text(), fam);
    Cidr c = m == null ? null : Cidr.withMask(zero, m.hi(), m.lo());
    if (c == null || c.prefix() < 0) {
      // iptables reads a v4 number above 32 or a non-contiguous mask as /32: refused, it cannot be meant
      throw a.error(t, "a prefix length 0-" + bits + " or a contiguous network mask (bad value for option "
          + "\"--connlimit-mask\", neither a valid network mask nor valid CIDR (0-" + bits + "))");
    }
    return c;
  }

  @Override
  Match build(Args a) throws RuleSyntaxException {
    if (limitTok == null) {
      throw missing(a, "--connlimit-above or --connlimit-upto (You must specify \"--connlimit-above\" or "
          + "\"--connlimit-upto\")");
    }
    Cidr m = mask != null ? mask : Cidr.of(fam == Family.IPV4 ? IpAddress.v4(0) : IpAddress.v6(0, 0),
        fam == Family.IPV4 ? 32 : 128);
    return new ConnLimitMatch(limit, upto, m, dest, new ConnLimitMatch.Counts());
  }
}
