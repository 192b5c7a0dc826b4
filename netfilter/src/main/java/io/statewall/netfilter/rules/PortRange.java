package io.statewall.netfilter.rules;

/** An inclusive port range; a single port has {@code lo == hi}. */
public record PortRange(int lo, int hi) {
  public static final PortRange ALL = new PortRange(0, 65535);

  public boolean contains(int port) {
    return port >= lo && port <= hi;
  }

  public boolean isAll() {
    return lo == 0 && hi == 65535;
  }

  /** As iptables-save prints it: "22" or "1024:65535". */
  @Override
  public String toString() {
    return lo == hi ? Integer.toString(lo) : lo + ":" + hi;
  }
}
