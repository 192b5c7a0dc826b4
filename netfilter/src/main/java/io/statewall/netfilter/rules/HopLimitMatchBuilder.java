package io.statewall.netfilter.rules;

import io.statewall.netfilter.packet.Family;
import java.util.List;
import java.util.Locale;

/** {@code -m ttl} (iptables) and {@code -m hl} (ip6tables): libipt_ttl's and libip6t_hl's options. */
final class HopLimitMatchBuilder extends MatchBuilder {
  private final Family fam;
  private HopLimitMatch.Mode mode;
  private Token modeTok;
  private int value;

  HopLimitMatchBuilder(Token at, Family fam) {
    super(fam == Family.IPV4 ? "ttl" : "hl", at, options(fam));
    this.fam = fam;
  }

  private static List<String> options(Family fam) {
    String n = fam == Family.IPV4 ? "ttl" : "hl";
    return List.of("--" + n + "-eq", "--" + n + "-lt", "--" + n + "-gt");
  }

  @Override
  boolean invertible(String o) {
    return o.endsWith("-eq");
  }

  @Override
  void apply(String o, Token opt, boolean inv, Args a, int proto) throws RuleSyntaxException {
    if (mode != null) {
      throw a.error(opt, "one of " + String.join(", ", names()) + " (option \"" + o
          + "\" cannot be used together with \"" + modeTok.text() + "\")");
    }
    Token t = a.value(opt, "a value 0-255");
    long v = Values.uint(t.text(), 255);
    if (v < 0) {
      throw a.error(t, "a value 0-255 (bad value for option \"" + o + "\", or out of range (0-255))");
    }
    value = (int) v;
    modeTok = opt;
    mode = switch (o.substring(o.length() - 2)) {
      case "eq" -> inv ? HopLimitMatch.Mode.NE : HopLimitMatch.Mode.EQ;
      case "lt" -> HopLimitMatch.Mode.LT;
      default -> HopLimitMatch.Mode.GT;
    };
  }

  @Override
  Match build(Args a) throws RuleSyntaxException {
    if (mode == null) {
      throw missing(a, "one of " + String.join(", ", names()) + " (" + name.toUpperCase(Locale.ROOT)
          + " match: You must specify one of them)");
    }
    return new HopLimitMatch(fam, mode, value);
  }
}
