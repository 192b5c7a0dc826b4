package io.statewall.netfilter.rules;

import io.statewall.netfilter.packet.Family;
import java.util.List;
import java.util.Locale;

/** ICMP and ICMPv6 type names as libxt_icmp / libip6t_icmp6 know them. */
final class IcmpTypes {
  private IcmpTypes() {}

  private record Name(String name, int type, int min, int max) {}

  private static Name n(String name, int type) {
    return new Name(name, type, 0, 0xFF);
  }

  private static Name n(String name, int type, int code) {
    return new Name(name, type, code, code);
  }

  private static final List<Name> V4 = List.of(
      new Name("any", 0xFF, 0, 0xFF), n("echo-reply", 0), n("pong", 0), n("destination-unreachable", 3),
      n("network-unreachable", 3, 0), n("host-unreachable", 3, 1), n("protocol-unreachable", 3, 2),
      n("port-unreachable", 3, 3), n("fragmentation-needed", 3, 4), n("source-route-failed", 3, 5),
      n("network-unknown", 3, 6), n("host-unknown", 3, 7), n("network-prohibited", 3, 9),
      n("host-prohibited", 3, 10), n("TOS-network-unreachable", 3, 11), n("TOS-host-unreachable", 3, 12),
      n("communication-prohibited", 3, 13), n("host-precedence-violation", 3, 14),
      n("precedence-cutoff", 3, 15), n("source-quench", 4), n("redirect", 5), n("network-redirect", 5, 0),
      n("host-redirect", 5, 1), n("TOS-network-redirect", 5, 2), n("TOS-host-redirect", 5, 3),
      n("echo-request", 8), n("ping", 8), n("router-advertisement", 9), n("router-solicitation", 10),
      n("time-exceeded", 11), n("ttl-exceeded", 11), n("ttl-zero-during-transit", 11, 0),
      n("ttl-zero-during-reassembly", 11, 1), n("parameter-problem", 12), n("ip-header-bad", 12, 0),
      n("required-option-missing", 12, 1), n("timestamp-request", 13), n("timestamp-reply", 14),
      n("address-mask-request", 17), n("address-mask-reply", 18));

  private static final List<Name> V6 = List.of(
      n("destination-unreachable", 1), n("no-route", 1, 0), n("communication-prohibited", 1, 1),
      n("beyond-scope", 1, 2), n("address-unreachable", 1, 3), n("port-unreachable", 1, 4),
      n("failed-policy", 1, 5), n("reject-route", 1, 6), n("packet-too-big", 2), n("time-exceeded", 3),
      n("ttl-exceeded", 3), n("ttl-zero-during-transit", 3, 0), n("ttl-zero-during-reassembly", 3, 1),
      n("parameter-problem", 4), n("bad-header", 4, 0), n("unknown-header-type", 4, 1),
      n("unknown-option", 4, 2), n("echo-request", 128), n("ping", 128), n("echo-reply", 129),
      n("pong", 129), n("mld-listener-query", 130), n("mld-listener-report", 131),
      n("mld-listener-done", 132), n("mld-listener-reduction", 132), n("router-solicitation", 133),
      n("router-advertisement", 134), n("neighbour-solicitation", 135), n("neighbor-solicitation", 135),
      n("neighbour-advertisement", 136), n("neighbor-advertisement", 136), n("redirect", 137));

  /** {type, codeMin, codeMax}, or null. Names match case-insensitively; numbers are TYPE[/CODE]. */
  static int[] parse(String s, Family family) {
    for (Name n : family == Family.IPV6 ? V6 : V4) {
      if (n.name.toLowerCase(Locale.ROOT).equals(s.toLowerCase(Locale.ROOT))) {
        return new int[] {n.type, n.min, n.max};
      }
    }
    String[] p = s.split("/", -1);
    if (p.length > 2) {
      return null;
    }
    long t = Values.number(p[0], 0, 255);
    long c = p.length == 2 ? Values.number(p[1], 0, 255) : 0;
    if (t < 0 || c < 0) {
      return null;
    }
    return p.length == 2 ? new int[] {(int) t, (int) c, (int) c} : new int[] {(int) t, 0, 0xFF};
  }
}
