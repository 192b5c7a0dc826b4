package io.statewall.netfilter.rules;

import io.statewall.netfilter.packet.Family;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** {@code -m hashlimit}: libxt_hashlimit's revision-3 options and checks, and xt_hashlimit's at commit. */
final class HashLimitMatchBuilder extends MatchBuilder {
  private static final List<String> NAMES = List.of("--hashlimit-upto", "--hashlimit-above", "--hashlimit",
      "--hashlimit-srcmask", "--hashlimit-dstmask", "--hashlimit-burst", "--hashlimit-htable-size",
      "--hashlimit-htable-max", "--hashlimit-htable-gcinterval", "--hashlimit-htable-expire", "--hashlimit-mode",
      "--hashlimit-name", "--hashlimit-rate-match", "--hashlimit-rate-interval");
  /** XT_HASHLIMIT_BURST_MAX, HASHLIMIT_MAX_SIZE. */
  private static final long BURST_MAX = 1_000_000;
  private static final long MAX_SIZE = 1 << 20;
  private static final Pattern BURST = Pattern.compile("(0[xX][0-9a-fA-F]+|\\d+)(.*)");

  private final Family fam;
  private final HashLimitMatch.Tables tables;
  private int mode;
  private long avg;
  private long mult = 1;
  private Token rateTok;
  private long burst = 5;
  private Token burstTok;
  private long size;
  private long max;
  private long gcInterval = 1000;
  private long expire = -1;
  private int srcMask;
  private int dstMask;
  private String name;
  private long interval;

  HashLimitMatchBuilder(Token at, Family fam, HashLimitMatch.Tables tables) {
    super("hashlimit", at, NAMES);
    this.fam = fam;
    this.tables = tables;
    this.srcMask = fam == Family.IPV4 ? 32 : 128;
    this.dstMask = srcMask;
  }

  @Override
  String option(String o) {
    return o.equals("--hashlimit") ? "--hashlimit-upto" : NAMES.contains(o) ? o : null;
  }

  @Override
  boolean invertible(String o) {
    return o.equals("--hashlimit-upto") || o.equals("--hashlimit-above");
  }

  @Override
  void apply(String o, Token opt, boolean inv, Args a, int proto) throws RuleSyntaxException {
    if (o.equals("--hashlimit-rate-match")) {
      mode |= HashLimitMatch.RATE_MATCH;
      return;
    }
    Token t = a.value(opt, "a value");
    String v = t.text();
    switch (o) {
      case "--hashlimit-upto", "--hashlimit-above" -> {
        if (rateTok != null) {
          throw a.error(opt, "one of --hashlimit-upto or --hashlimit-above (option \"" + o
              + "\" cannot be used together with \"" + rateTok.text() + "\")");
        }
        rateTok = opt;
        if (o.equals("--hashlimit-above") != inv) {
          mode |= HashLimitMatch.INVERT;
        }
        if (!bytes(a, t) && !rate(a, t)) {
          throw a.error(t, "a rate N[/second|minute|hour|day] or N[k|m]b/s (Bad value for \"" + o + "\" option: \""
              + v + "\")");
        }
      }
      case "--hashlimit-burst" -> {
        burst = burst(a, t);
        burstTok = t;
      }
      case "--hashlimit-mode" -> {
        for (String m : v.split("[,|]")) {
          mode |= switch (m) {
            case "srcip" -> HashLimitMatch.SRC_IP;
            case "srcport" -> HashLimitMatch.SRC_PORT;
            case "dstip" -> HashLimitMatch.DST_IP;
            case "dstport" -> HashLimitMatch.DST_PORT;
            case "" -> 0;
            default -> throw a.error(t, "a list of srcip, srcport, dstip, dstport (Bad value for \"--hashlimit-mode\" "
                + "option: \"" + v + "\")");
          };
        }
      }
      case "--hashlimit-srcmask", "--hashlimit-dstmask" -> {
        int full = fam == Family.IPV4 ? 32 : 128;
        long n = Values.uint(v, full);
        if (n < 0) {
          // the kernel refuses a v4 mask above 32 at commit; libxtables one above 128 at once
          throw a.error(t, "a prefix length 0-" + full + " (bad value for option \"" + o + "\", or out of range)");
        }
        if (o.equals("--hashlimit-srcmask")) {
          srcMask = (int) n;
        } else {
          dstMask = (int) n;
        }
      }
      case "--hashlimit-name" -> {
        if (v.isEmpty() || v.equals(".") || v.equals("..") || v.indexOf('/') >= 0 || v.length() > 254) {
          throw a.error(t, "a table name of 1-254 characters, not '.' or '..', without '/' (the kernel names "
              + "/proc/net/ipt_hashlimit/NAME after it)");
        }
        if (v.chars().anyMatch(c -> c <= ' ' || c == '"' || c == '\\' || c == '\'' || c == '#')) {
          throw a.error(t, "a table name without blanks, quotes, backslashes or '#' (iptables-save prints it "
              + "unquoted, so the saved file would not read back)");
        }
        name = v;
      }
      case "--hashlimit-rate-interval" -> {
        long n = atoll(v);
        if (n <= 0 || n > Integer.MAX_VALUE) {
          throw a.error(t, "an interval of 1 or more seconds (Bad value for \"--hashlimit-rate-interval\" option: \""
              + v + "\")");
        }
        interval = n;
      }
      default -> {
        long n = Values.uint(v, 0xFFFF_FFFFL);
        if (n < 0) {
          throw a.error(t, "a number 0-4294967295 (bad value for option \"" + o + "\", or out of range)");
        }
        switch (o) {
          case "--hashlimit-htable-size" -> size = Math.min(n, MAX_SIZE);
          case "--hashlimit-htable-max" -> max = Math.min(n, MAX_SIZE);
          case "--hashlimit-htable-gcinterval" -> gcInterval = n;
          default -> expire = n;
        }
      }
    }
  }

  /** C's atoll on what it reads: blanks, a sign and digits; 0 when there are none. */
  private static long atoll(String s) {
    int i = 0;
    while (i < s.length() && Character.isWhitespace(s.charAt(i))) {
      i++;
    }
    boolean neg = i < s.length() && s.charAt(i) == '-';
    if (i < s.length() && (s.charAt(i) == '-' || s.charAt(i) == '+')) {
      i++;
    }
    long v = 0;
    for (; i < s.length() && Character.isDigit(s.charAt(i)); i++) {
      v = Math.min(v * 10 + (s.charAt(i) - '0'), Long.MAX_VALUE / 20);
    }
    return neg ? -v : v;
  }

  private static long factor(char c) {
    return c == 'm' ? 1024 * 1024 : c == 'k' ? 1024 : 1;
  }

  /** parse_bytes: "N[k|m]b/s", as a cost per 16-byte chunk. */
  private boolean bytes(Args a, Token t) throws RuleSyntaxException {
    String s = t.text();
    int at = s.indexOf("b/s");
    if (at <= 0) {
      return false;
    }
    long r = atoll(s);
    if (r == 0) {
      return false;
    }
    long tmp = r * factor(s.charAt(at - 1));
    if (tmp < 0) {
      throw a.error(t, "a byte rate that fits in 64 bits (Rate value too large)");
    }
    tmp = HashLimitMatch.bytesToCost(tmp);
    if (tmp == 0) {
      throw a.error(t, "a lower byte rate (Rate too high \"" + s + "\")");
    }
    mult = 15;
    avg = tmp;
    mode |= HashLimitMatch.BYTES;
    return true;
  }

  /** parse_rate: "N[/unit]" (any prefix of second, minute, hour, day), as microseconds per packet. */
  private boolean rate(Args a, Token t) throws RuleSyntaxException {
    String s = t.text();
    mult = Rates.unitSeconds(s);
    if (mult < 0) {
      mult = 1;
      return false;
    }
    long r = atoll(s);
    if (r == 0) {
      return false;
    }
    avg = Long.divideUnsigned(HashLimitMatch.SCALE * mult, r);
    if (avg == 0) {
      throw a.error(t, "a rate of at most 1000000/second (Rate too fast \"" + s + "\")");
    }
    return true;
  }

  /** parse_burst: a number (0x and 0 prefixes as strtoull), then anything; k or m first multiplies it. */
  private static long burst(Args a, Token t) throws RuleSyntaxException {
    Matcher m = BURST.matcher(t.text());
    long v = m.matches() ? Values.uint(m.group(1), Long.MAX_VALUE >> 20) : -1;
    String rest = m.matches() ? m.group(2) : "";
    if (v < 1 || (rest.isEmpty() && v > BURST_MAX)) {
      throw a.error(t, "a burst 1-1000000, or bytes N[k|m]b (bad value for option \"--hashlimit-burst\", or out of "
          + "range (1-1000000).)");
    }
    return v * (rest.isEmpty() ? 1 : factor(rest.charAt(0)));
  }

  @Override
  Match build(Args a) throws RuleSyntaxException {
    if (rateTok == null) {
      throw missing(a, "--hashlimit-upto or --hashlimit-above (You have to specify --hashlimit)");
    }
    if (name == null) {
      throw missing(a, "--hashlimit-name (option \"--hashlimit-name\" must be specified)");
    }
    long exp = expire >= 0 ? expire : mult * 1000;
    long b = burst;
    if ((mode & HashLimitMatch.BYTES) != 0) {
      b = 0;
      if (burstTok != null) {
        long unit = HashLimitMatch.costToBytes(avg);
        if (burst < unit) {
          throw a.error(burstTok, "a burst of at least " + unit + "b (burst cannot be smaller than " + unit + "b)");
        }
        b = (burst + unit - 1) / unit;
        if (expire < 0) {
          exp = 60_000;
        }
      }
    } else if (burst > BURST_MAX) {
      throw a.error(burstTok, "a burst 1-1000000 (bad value for option \"--hashlimit-burst\", or out of range "
          + "(1-1000000).)");
    }
    long av = avg;
    long iv = interval;
    if ((mode & HashLimitMatch.RATE_MATCH) != 0) {
      if ((mode & HashLimitMatch.BYTES) == 0) {
        av /= mult;
      }
      if (iv == 0) {
        iv = (mode & HashLimitMatch.BYTES) != 0 ? 1 : mult;
      }
    }
    // hashlimit_mt_check_common
    if (gcInterval == 0 || exp == 0) {
      throw a.error(at, "a non-zero --hashlimit-htable-gcinterval and --hashlimit-htable-expire (the kernel refuses 0)");
    }
    if ((mode & HashLimitMatch.RATE_MATCH) != 0) {
      if (av == 0 || av > HashLimitMatch.U32) {
        throw a.error(rateTok, "a rate the kernel can match (invalid rate)");
      }
    } else if ((mode & HashLimitMatch.BYTES) != 0) {
      if (HashLimitMatch.creditsByte(av) == 0) {
        throw a.error(rateTok, "a lower byte rate (the kernel says: overflow, rate too high)");
      }
    } else if (Long.compareUnsigned(HashLimitMatch.credits(av * b), HashLimitMatch.credits(av)) < 0) {
      throw a.error(rateTok, "a rate and burst whose credits fit in 64 bits (the kernel says: overflow, try lower)");
    }
    HashLimitMatch.Config cfg = new HashLimitMatch.Config(mode, av, b, size, max, gcInterval, exp, srcMask, dstMask,
        iv);
    return new HashLimitMatch(cfg, name, fam, tables.table(name, fam, cfg));
  }
}
