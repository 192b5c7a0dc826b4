package io.statewall.netfilter.conntrack;

/**
 * Table limits and tracker switches.
 *
 * @param maxEntries nf_conntrack_max: connections the table holds at most
 * @param maxExpectations nf_conntrack_expect_max
 * @param tcpLoose nf_conntrack_tcp_loose: pick up connections from a mid-stream ACK
 * @param tcpBeLiberal nf_conntrack_tcp_be_liberal: never mark out-of-window packets INVALID
 * @param tcpMaxRetrans nf_conntrack_tcp_max_retrans
 * @param timeouts protocol timeouts
 */
public record CtConfig(int maxEntries, int maxExpectations, boolean tcpLoose, boolean tcpBeLiberal,
    int tcpMaxRetrans, CtTimeouts timeouts) {

  public static CtConfig defaults() {
    return new CtConfig(262_144, 4_096, true, false, 3, CtTimeouts.linuxDefaults());
  }

  public CtConfig withMaxEntries(int max) {
    return new CtConfig(max, maxExpectations, tcpLoose, tcpBeLiberal, tcpMaxRetrans, timeouts);
  }

  public CtConfig withMaxExpectations(int max) {
    return new CtConfig(maxEntries, max, tcpLoose, tcpBeLiberal, tcpMaxRetrans, timeouts);
  }
}
