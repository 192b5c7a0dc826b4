package io.statewall.netfilter.rules;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

/**
 * Protocol and service names as Debian's netbase defines them (/etc/protocols, /etc/services),
 * bundled so that names resolve the same on every machine.
 */
final class Netbase {
  private static final Netbase INSTANCE = new Netbase();

  private final Map<String, Integer> protoByName = new HashMap<>();
  private final String[] protoNames = new String[256];
  /** Service names by protocol ("tcp", "udp", "sctp"), as getservbyname looks them up. */
  private final Map<String, Map<String, Integer>> ports = new HashMap<>();

  private Netbase() {
    read("protocols.txt", f -> {
      int num = Integer.parseInt(f[1]);
      if (num > 255) {
        return;
      }
      if (protoNames[num] == null) {
        protoNames[num] = f[0];
      }
      for (int i = 0; i < f.length; i++) {
        if (i != 1) {
          protoByName.putIfAbsent(f[i], num);
        }
      }
    });
    read("services.txt", f -> {
      String[] pp = f[1].split("/");
      Map<String, Integer> m = ports.computeIfAbsent(pp[1], k -> new HashMap<>());
      int port = Integer.parseInt(pp[0]);
      m.putIfAbsent(f[0], port);
      for (int i = 2; i < f.length; i++) {
        m.putIfAbsent(f[i], port);
      }
    });
    // iptables' own names (xtables_chain_protos) beside netbase's
    protoByName.putIfAbsent("icmpv6", 58);
    protoByName.putIfAbsent("ipv6-icmp", 58);
    protoByName.putIfAbsent("mh", 135);
    protoByName.put("all", 0);
  }

  static Netbase get() {
    return INSTANCE;
  }

  private interface LineSink {
    void accept(String[] fields);
  }

  private static void read(String name, LineSink sink) {
    try (InputStream in = Netbase.class.getResourceAsStream(name)) {
      if (in == null) {
        throw new IllegalStateException("missing resource " + name);
      }
      BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.US_ASCII));
      for (String line; (line = r.readLine()) != null; ) {
        int hash = line.indexOf('#');
        String body = (hash >= 0 ? line.substring(0, hash) : line).trim();
        if (!body.isEmpty()) {
          sink.accept(body.split("\\s+"));
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Protocol number for a name or number, or -1. */
  int protocol(String s) {
    if (!s.isEmpty() && s.chars().allMatch(Character::isDigit)) {
      if (s.length() > 3) {
        return -1;
      }
      int v = Integer.parseInt(s);
      return v <= 255 ? v : -1;
    }
    Integer v = protoByName.get(s);
    return v == null ? -1 : v;
  }

  /** The name iptables-save prints for a protocol number (getprotobynumber), or the number. */
  String protocolName(int num) {
    String n = num >= 0 && num < 256 ? protoNames[num] : null;
    return n != null ? n : Integer.toString(num);
  }

  /** Port for a number or a service name of {@code proto} ("tcp", "udp", "sctp"), or -1. */
  int port(String s, String proto) {
    if (!s.isEmpty() && s.chars().allMatch(Character::isDigit)) {
      if (s.length() > 5) {
        return -1;
      }
      int v = Integer.parseInt(s);
      return v <= 65535 ? v : -1;
    }
    Integer v = ports.getOrDefault(proto, Map.of()).get(s);
    return v == null ? -1 : v;
  }
}
