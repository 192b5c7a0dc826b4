package io.statewall.netfilter.rules;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

/** {@code -m string}: libxt_string's options and checks (xt_string's at commit). */
final class StringMatchBuilder extends MatchBuilder {
  private static final List<String> NAMES = List.of("--from", "--to", "--algo", "--string", "--hex-string",
      "--icase");
  /** XT_STRING_MAX_PATTERN_SIZE. */
  private static final int MAX_PATTERN = 128;

  private byte[] pattern;
  private Token patternTok;
  private boolean inv;
  private String algo;
  private int from;
  private int to = 65535;
  private boolean icase;

  StringMatchBuilder(Token at) {
    super("string", at, NAMES);
  }

  @Override
  boolean invertible(String o) {
    return o.equals("--string") || o.equals("--hex-string");
  }

  @Override
  void apply(String o, Token opt, boolean inv, Args a, int proto) throws RuleSyntaxException {
    if (o.equals("--icase")) {
      icase = true;
      return;
    }
    Token t = a.value(opt, "a value");
    switch (o) {
      case "--string", "--hex-string" -> {
        if (patternTok != null) {
          throw a.error(opt, "one of --string or --hex-string (option \"" + o + "\" cannot be used together with \""
              + patternTok.text() + "\")");
        }
        patternTok = opt;
        pattern = o.equals("--string") ? t.text().getBytes(StandardCharsets.UTF_8) : hex(a, t);
        if (pattern.length > MAX_PATTERN) {
          throw a.error(t, "a pattern of at most " + MAX_PATTERN + " bytes (STRING too long \"" + t.text() + "\")");
        }
        this.inv = inv;
      }
      case "--algo" -> {
        if (!t.text().equals("bm") && !t.text().equals("kmp")) {
          throw a.error(t, "bm or kmp (the kernel has no text search algorithm '" + t.text() + "')");
        }
        algo = t.text();
      }
      default -> {
        long n = Values.uint(t.text(), 65535);
        if (n < 0) {
          throw a.error(t, "an offset 0-65535 (bad value for option \"" + o + "\", or out of range (0-65535))");
        }
        if (o.equals("--from")) {
          from = (int) n;
        } else {
          to = (int) n;
        }
      }
    }
  }

  /** libxt_string's parse_hex_string: hex pairs between '|', blanks among them, other bytes as they are. */
  private static byte[] hex(Args a, Token t) throws RuleSyntaxException {
    byte[] s = t.text().getBytes(StandardCharsets.UTF_8);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    boolean inHex = false;
    for (int i = 0; i < s.length; i++) {
      char c = (char) (s[i] & 0xFF);
      if (c == '|') {
        inHex = !inHex;
        continue;
      }
      if (!inHex) {
        if (c == '\\' && i + 1 < s.length) {
          i++;
        }
        out.write(s[i]);
        continue;
      }
      if (c == ' ') {
        continue;
      }
      if (i + 1 >= s.length || s[i + 1] == '|') {
        throw a.error(t, "pairs of hex digits between '|' (Invalid hex block)");
      }
      int hi = Character.digit(c, 16);
      int lo = Character.digit((char) (s[i + 1] & 0xFF), 16);
      if (hi < 0 || lo < 0) {
        throw a.error(t, "pairs of hex digits between '|' (Invalid hex char '" + (hi < 0 ? c : (char) s[i + 1]) + "')");
      }
      out.write(hi * 16 + lo);
      i++;
    }
    if (inHex) {
      throw a.error(t, "a closing '|' (Invalid hex block)");
    }
    return out.toByteArray();
  }

  @Override
  Match build(Args a) throws RuleSyntaxException {
    if (algo == null) {
      throw missing(a, "--algo bm or --algo kmp (option \"--algo\" must be specified)");
    }
    if (pattern == null) {
      throw missing(a, "--string or --hex-string (STRING match: You must specify `--string' or `--hex-string')");
    }
    if (from > to || pattern.length == 0) {
      throw a.error(at, "--from up to --to and a pattern that is not empty (the kernel refuses the match)");
    }
    return new StringMatch(pattern, algo, from, to, icase, inv);
  }
}
