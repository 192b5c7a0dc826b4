package io.statewall.controller.launch;

/**
 * The flood limits of `statewall run`: how many connections are tracked, how many packet-ins a
 * second a switch port and a whole switch may send (enforced by meters in the switches where they
 * have them, and always by token buckets in the controller, with bursts of two seconds' worth), and
 * how many flow-mods a second the controller writes to one switch.
 */
public record RunLimits(int conntrackMax, double portPacketInRate, double switchPacketInRate,
    double flowModRate) {
  /** Linux's nf_conntrack_max on a 4 GiB host; rates sized for a software switch. */
  public static final RunLimits DEFAULTS = new RunLimits(262_144, 20_000, 200_000, 50_000);

  public RunLimits {
    if (conntrackMax < 1) {
      throw new IllegalArgumentException("--conntrack-max must be at least 1: " + conntrackMax);
    }
    check("--port-packet-in-rate", portPacketInRate);
    check("--switch-packet-in-rate", switchPacketInRate);
    check("--flow-mod-rate", flowModRate);
  }

  private static void check(String option, double rate) {
    if (!(rate >= 1) || Double.isInfinite(rate)) {
      throw new IllegalArgumentException(option + " must be a number of at least 1 per second: " + rate);
    }
  }
}
