package io.statewall.operator.api;

import io.statewall.netfilter.conntrack.CtDirection;
import io.statewall.netfilter.conntrack.CtEntry;
import io.statewall.netfilter.conntrack.CtTuple;
import io.statewall.netfilter.packet.IpAddress;
import java.util.Locale;
import java.util.Set;
import java.util.function.Predicate;

/**
 * conntrack-tools' filters on the original tuple ({@code -p -s -d --sport --dport --state}), plus
 * {@code addr}: either end. An absent field matches everything. {@code state} is the TCP state.
 */
record ConntrackFilter(int protocol, IpAddress src, IpAddress dst, IpAddress addr, int sport, int dport,
    String state) implements Predicate<CtEntry> {

  static final Set<String> PARAMS = Set.of("proto", "src", "dst", "addr", "sport", "dport", "state");

  static ConntrackFilter of(Query q) {
    String state = q.string("state");
    return new ConntrackFilter(q.protocol("proto"), q.address("src"), q.address("dst"), q.address("addr"),
        q.integer("sport", 0, 65535, -1), q.integer("dport", 0, 65535, -1),
        state == null ? null : state.toUpperCase(Locale.ROOT));
  }

  boolean isEmpty() {
    return protocol < 0 && src == null && dst == null && addr == null && sport < 0 && dport < 0 && state == null;
  }

  @Override
  public boolean test(CtEntry e) {
    CtTuple o = e.tuple(CtDirection.ORIGINAL);
    return (protocol < 0 || e.protocol() == protocol)
        && (src == null || o.src().equals(src))
        && (dst == null || o.dst().equals(dst))
        && (addr == null || o.src().equals(addr) || o.dst().equals(addr))
        && (sport < 0 || o.srcPort() == sport)
        && (dport < 0 || o.dstPort() == dport)
        && (state == null || state.equals(e.tcpStateName()));
  }
}
