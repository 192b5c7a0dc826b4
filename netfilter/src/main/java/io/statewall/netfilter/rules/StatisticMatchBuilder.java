package io.statewall.netfilter.rules;

import java.util.List;
import java.util.regex.Pattern;

/** {@code -m statistic}: libxt_statistic's options and checks. */
final class StatisticMatchBuilder extends MatchBuilder {
  private static final List<String> NAMES = List.of("--mode", "--probability", "--every", "--packet");
  /** What strtod reads in full: decimal or hexadecimal, with an optional exponent (no inf, no nan). */
  private static final Pattern DOUBLE = Pattern.compile(
      "[+-]?((\\d+\\.?\\d*|\\.\\d+)([eE][+-]?\\d+)?|0[xX]([0-9a-fA-F]+\\.?[0-9a-fA-F]*|\\.[0-9a-fA-F]+)([pP][+-]?\\d+)?)");

  private String mode;
  private boolean inv;
  private long probability = -1;
  private Token probabilityTok;
  private long every = -1;
  private Token everyTok;
  private long packet = -1;
  private Token packetTok;

  StatisticMatchBuilder(Token at) {
    super("statistic", at, NAMES);
  }

  @Override
  boolean invertible(String o) {
    return o.equals("--probability") || o.equals("--every");
  }

  @Override
  void apply(String o, Token opt, boolean inv, Args a, int proto) throws RuleSyntaxException {
    Token t = a.value(opt, o.equals("--mode") ? "random or nth" : "a value");
    // one '!' anywhere inverts the whole match (XT_STATISTIC_INVERT)
    this.inv |= inv;
    switch (o) {
      case "--mode" -> {
        if (!t.text().equals("random") && !t.text().equals("nth")) {
          throw a.error(t, "random or nth (Bad mode \"" + t.text() + "\")");
        }
        mode = t.text();
      }
      case "--probability" -> {
        exclusive(a, opt, everyTok != null ? everyTok : packetTok);
        double v = parseDouble(t.text());
        if (!(v >= 0 && v <= 1)) {
          throw a.error(t, "a probability 0-1 (bad value for option \"--probability\", or out of range (0-1))");
        }
        probability = Math.round(0x8000_0000L * v);
        probabilityTok = opt;
      }
      default -> {
        exclusive(a, opt, probabilityTok);
        long v = Values.uint(t.text(), 0xFFFF_FFFFL);
        boolean isEvery = o.equals("--every");
        if (v < (isEvery ? 1 : 0)) {
          throw a.error(t, "a number " + (isEvery ? 1 : 0) + "-4294967295 (bad value for option \"" + o
              + "\", or out of range (" + (isEvery ? 1 : 0) + "-4294967295))");
        }
        if (isEvery) {
          every = v - 1;
          everyTok = opt;
        } else {
          packet = v;
          packetTok = opt;
        }
      }
    }
  }

  private static void exclusive(Args a, Token opt, Token other) throws RuleSyntaxException {
    if (other != null) {
      throw a.error(opt, "--probability (random mode) or --every and --packet (nth mode), not both (option \""
          + opt.text() + "\" cannot be used together with \"" + other.text() + "\")");
    }
  }

  private static double parseDouble(String s) {
    if (!DOUBLE.matcher(s).matches()) {
      return Double.NaN;
    }
    boolean hex = s.contains("x") || s.contains("X");
    // Java's hexadecimal form needs the binary exponent that strtod lets out
    return Double.parseDouble(hex && !s.contains("p") && !s.contains("P") ? s + "p0" : s);
  }

  @Override
  Match build(Args a) throws RuleSyntaxException {
    if (everyTok != null && packetTok == null) {
      throw a.error(everyTok, "--every with --packet (option \"--every\" also requires \"--packet\")");
    }
    if (packetTok != null && everyTok == null) {
      throw a.error(packetTok, "--packet with --every (option \"--packet\" also requires \"--every\")");
    }
    if (mode == null) {
      throw missing(a, "--mode random or --mode nth (option \"--mode\" must be specified)");
    }
    if (mode.equals("random")) {
      if (probabilityTok == null) {
        throw missing(a, "--probability in random mode (--probability must be specified when using random mode)");
      }
      return StatisticMatch.random(probability, inv);
    }
    if (everyTok == null) {
      throw missing(a, "--every and --packet in nth mode (--every and --packet must be specified when using nth mode)");
    }
    if (packet > every) {
      throw a.error(packetTok, "a packet below --every (the --packet p must be 0 <= p <= n-1)");
    }
    return StatisticMatch.nth(every, packet, inv);
  }
}
