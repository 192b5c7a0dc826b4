package io.statewall.operator.api;

import io.statewall.netfilter.packet.IpAddress;
import io.statewall.netfilter.packet.Packet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/** A request's query parameters, checked: unknown names, repeated names and bad values are 400s. */
final class Query {
  private final Map<String, List<String>> params;

  Query(Map<String, List<String>> params, Set<String> allowed) {
    for (Map.Entry<String, List<String>> e : params.entrySet()) {
      if (!allowed.contains(e.getKey())) {
        throw ApiError.badRequest("unknown query parameter '" + e.getKey() + "' (allowed: "
            + String.join(", ", new TreeSet<>(allowed)) + ")");
      }
      if (e.getValue().size() > 1) {
        throw ApiError.badRequest("query parameter '" + e.getKey() + "' given more than once");
      }
    }
    this.params = params;
  }

  String string(String name) {
    List<String> v = params.get(name);
    return v == null || v.isEmpty() || v.get(0).isEmpty() ? null : v.get(0);
  }

  IpAddress address(String name) {
    String s = string(name);
    if (s == null) {
      return null;
    }
    try {
      return IpAddress.parse(s);
    } catch (IllegalArgumentException e) {
      throw ApiError.badRequest(name + ": '" + s + "' is not an IPv4 or IPv6 address");
    }
  }

  int integer(String name, int min, int max, int absent) {
    String s = string(name);
    if (s == null) {
      return absent;
    }
    try {
      int v = Integer.parseInt(s);
      if (v >= min && v <= max) {
        return v;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw ApiError.badRequest(name + ": '" + s + "' is not a number from " + min + " to " + max);
  }

  boolean flag(String name) {
    String s = string(name);
    if (s == null) {
      return false;
    }
    return switch (s.toLowerCase(Locale.ROOT)) {
      case "true", "1", "yes" -> true;
      case "false", "0", "no" -> false;
      default -> throw ApiError.badRequest(name + ": '" + s + "' is not true or false");
    };
  }

  /** A protocol by name (tcp, udp, icmp, icmpv6) or number; -1 when absent. */
  int protocol(String name) {
    String s = string(name);
    if (s == null) {
      return -1;
    }
    return switch (s.toLowerCase(Locale.ROOT)) {
      case "tcp" -> Packet.PROTO_TCP;
      case "udp" -> Packet.PROTO_UDP;
      case "icmp" -> Packet.PROTO_ICMP;
      case "icmpv6", "ipv6-icmp" -> Packet.PROTO_ICMPV6;
      default -> integer(name, 0, 255, -1);
    };
  }
}
