package io.statewall.netfilter.rules;

import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.function.LongSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** {@code -m time}: libxt_time's options and checks. */
final class TimeMatchBuilder extends MatchBuilder {
  private static final List<String> NAMES = List.of("--datestart", "--datestop", "--timestart", "--timestop",
      "--weekdays", "--monthdays", "--localtz", "--kerneltz", "--utc", "--contiguous");
  private static final Pattern DATE = Pattern.compile(
      "(\\d{4})(?:-(\\d{1,2})(?:-(\\d{1,2})(?:T(\\d{1,2})(?::(\\d{1,2})(?::(\\d{1,2}))?)?)?)?)?");
  private static final Pattern CLOCK = Pattern.compile("(\\d{1,2}):(\\d{1,2})(?::(\\d{1,2}))?");
  private static final String[][] DAY_NAMES = {{"Mon", "Mo"}, {"Tue", "Tu"}, {"Wed", "We"}, {"Thu", "Th"},
      {"Fri", "Fr"}, {"Sat", "Sa"}, {"Sun", "Su"}};

  private final LongSupplier epochMillis;
  private int dayStart;
  private int dayStop = TimeMatch.MAX_DAYTIME;
  private int monthDays = TimeMatch.ALL_MONTHDAYS;
  private int weekDays = TimeMatch.ALL_WEEKDAYS;
  private long dateStart;
  private long dateStop = TimeMatch.MAX_DATE;
  private Token tzTok;
  private boolean kernelTz;
  private boolean contiguous;
  private Token contiguousTok;

  TimeMatchBuilder(Token at, LongSupplier epochMillis) {
    super("time", at, NAMES);
    this.epochMillis = epochMillis;
  }

  @Override
  String option(String o) {
    return o.equals("--localtz") ? "--kerneltz" : NAMES.contains(o) ? o : null;
  }

  @Override
  boolean invertible(String o) {
    return o.equals("--weekdays") || o.equals("--monthdays");
  }

  @Override
  void apply(String o, Token opt, boolean inv, Args a, int proto) throws RuleSyntaxException {
    switch (o) {
      case "--kerneltz", "--utc" -> {
        if (tzTok != null) {
          throw a.error(opt, "one of --utc or --kerneltz (option \"" + o + "\" cannot be used together with \""
              + tzTok.text() + "\")");
        }
        tzTok = opt;
        kernelTz = o.equals("--kerneltz");
      }
      case "--contiguous" -> {
        contiguous = true;
        contiguousTok = opt;
      }
      case "--datestart", "--datestop" -> {
        long v = date(a, a.value(opt, "YYYY[-MM[-DD[Thh[:mm[:ss]]]]]"));
        if (o.equals("--datestart")) {
          dateStart = v;
        } else {
          dateStop = v;
        }
      }
      case "--timestart", "--timestop" -> {
        Token t = a.value(opt, "hh:mm[:ss]");
        Matcher m = CLOCK.matcher(t.text());
        int h = m.matches() ? Integer.parseInt(m.group(1)) : 99;
        int min = m.matches() ? Integer.parseInt(m.group(2)) : 99;
        int s = m.matches() && m.group(3) != null ? Integer.parseInt(m.group(3)) : 0;
        if (h > 23 || min > 59 || s > 59) {
          throw a.error(t, "a time hh:mm[:ss] (invalid time \"" + t.text() + "\" specified, should be hh:mm[:ss] "
              + "format and within the boundaries)");
        }
        if (o.equals("--timestart")) {
          dayStart = h * 3600 + min * 60 + s;
        } else {
          dayStop = h * 3600 + min * 60 + s;
        }
      }
      case "--weekdays" -> {
        Token t = a.value(opt, "days Mon,Tue,... or 1-7");
        int bits = 0;
        for (String d : t.text().split(",", -1)) {
          int day = -1;
          for (int i = 0; i < 7; i++) {
            if (d.equals(DAY_NAMES[i][0]) || d.equals(DAY_NAMES[i][1]) || d.equals(Integer.toString(i + 1))) {
              day = i + 1;
            }
          }
          if (day < 0) {
            // iptables takes 0 and 8 and up as numbers, and prints an empty --weekdays it cannot read back
            throw a.error(t, "days Mon-Sun, Mo-Su or 1-7 (" + d + " is not a valid day specifier)");
          }
          bits |= 1 << day;
        }
        weekDays = inv ? ~bits & TimeMatch.ALL_WEEKDAYS : bits;
      }
      default -> {
        Token t = a.value(opt, "days of the month 1-31");
        int bits = 0;
        for (String d : t.text().split(",", -1)) {
          long n = Values.number(d, 1, 31);
          if (n < 0) {
            throw a.error(t, "days of the month 1-31 (" + d + " is not a valid day for --monthdays)");
          }
          bits |= 1 << n;
        }
        monthDays = inv ? ~bits & TimeMatch.ALL_MONTHDAYS : bits;
      }
    }
  }

  /** libxt_time's time_parse_date: mktime in UTC, which carries day 30 of February into March. */
  private static long date(Args a, Token t) throws RuleSyntaxException {
    Matcher m = DATE.matcher(t.text());
    long v = -1;
    if (m.matches()) {
      int[] f = new int[6];
      int[] def = {0, 1, 1, 0, 0, 0};
      for (int i = 0; i < 6; i++) {
        f[i] = m.group(i + 1) == null ? def[i] : Integer.parseInt(m.group(i + 1));
      }
      if (f[1] >= 1 && f[1] <= 12 && f[2] >= 1 && f[2] <= 31 && f[3] <= 23 && f[4] <= 59 && f[5] <= 59) {
        v = LocalDateTime.of(f[0], f[1], 1, f[3], f[4], f[5]).plusDays(f[2] - 1L).toEpochSecond(ZoneOffset.UTC);
      }
    }
    if (v < 0 || v > TimeMatch.MAX_DATE) {
      throw a.error(t, "a date 1970-01-01 to 2038-01-19T03:14:07 (Invalid date \"" + t.text() + "\" specified. "
          + "Should be YYYY[-MM[-DD[Thh[:mm[:ss]]]]])");
    }
    return v;
  }

  @Override
  Match build(Args a) throws RuleSyntaxException {
    if (contiguous && dayStop >= dayStart) {
      throw a.error(contiguousTok, "--contiguous with a --timestop before --timestart (--contiguous only makes sense "
          + "when stoptime is smaller than starttime)");
    }
    return new TimeMatch(dayStart, dayStop, monthDays, weekDays, dateStart, dateStop, kernelTz, contiguous,
        epochMillis);
  }
}
