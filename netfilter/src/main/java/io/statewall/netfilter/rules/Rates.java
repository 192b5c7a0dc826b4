package io.statewall.netfilter.rules;

import java.util.Locale;

/**
 * iptables' print_rate, shared by libxt_limit and libxt_hashlimit: a period (time per packet in
 * 1/{@code scale} seconds) printed in the largest unit in which it prints exactly enough.
 */
final class Rates {
  private static final String[] UNITS = {"day", "hour", "min", "sec"};
  private static final long[] SECONDS = {86400, 3600, 60, 1};

  private Rates() {}

  /** The unit print_rate picks: 0 day, 1 hour, 2 minute, 3 second (unsigned arithmetic). */
  static int unit(long period, long scale) {
    int i;
    for (i = 1; i < SECONDS.length; i++) {
      long mult = scale * SECONDS[i];
      if (Long.compareUnsigned(period, mult) > 0
          || Long.compareUnsigned(Long.divideUnsigned(mult, period), Long.remainderUnsigned(mult, period)) < 0) {
        break;
      }
    }
    return i - 1;
  }

  /** "N/unit" as print_rate prints it. */
  static String text(long period, long scale) {
    int u = unit(period, scale);
    return Long.toUnsignedString(Long.divideUnsigned(scale * SECONDS[u], period)) + "/" + UNITS[u];
  }

  /** The unit's length in milliseconds (libxt_hashlimit's default expire for that rate). */
  static long millis(int unit) {
    return SECONDS[unit] * 1000;
  }

  /**
   * The seconds of a rate's unit after its '/' ({@code s} is the whole rate text): any prefix of
   * second, minute, hour or day in any case, 1 when there is no '/'; -1 when the unit is not one.
   */
  static long unitSeconds(String s) {
    int slash = s.indexOf('/');
    if (slash < 0) {
      return 1;
    }
    String unit = s.substring(slash + 1).toLowerCase(Locale.ROOT);
    String[] names = {"second", "minute", "hour", "day"};
    for (int i = 0; i < names.length && !unit.isEmpty(); i++) {
      if (names[i].startsWith(unit)) {
        return SECONDS[3 - i];
      }
    }
    return -1;
  }
}
