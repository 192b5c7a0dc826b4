package io.statewall.netfilter.rules;

import io.statewall.netfilter.packet.Bytes;
import io.statewall.netfilter.packet.Family;
import io.statewall.netfilter.packet.IpAddress;
import io.statewall.netfilter.packet.Packet;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;


/**
 * The ipsets a policy names ({@code ipsets: [FILE]}), read from {@code ipset save} files: hash:ip,
 * hash:net, hash:ip,port, hash:net,port, bitmap:port and list:set, with the kernel's test of a packet
 * against each (nomatch entries and {@code --return-nomatch} as ip_set_test applies them).
 */
public final class IpSets {
  /** No sets: what a rule file read without a policy sees. */
  public static final IpSets NONE = new IpSets(Map.of());

  private final Map<String, IpSet> sets;

  private IpSets(Map<String, IpSet> sets) {
    this.sets = sets;
  }

  /** The set named {@code name}, or null. */
  public IpSet get(String name) {
    return sets.get(name);
  }

  /** How many sets there are. */
  public int size() {
    return sets.size();
  }

  /** One set; {@code family} is null for bitmap:port and list:set, which hold no addresses. */
  public record IpSet(String name, String type, Family family, List<Entry> entries, List<IpSet> members,
      int portLo, int portHi) {
    /** Whether the set type has a nomatch flag (IPSET_TYPE_NOMATCH). */
    boolean nomatchType() {
      return type.startsWith("hash:net");
    }

    /** How many dimensions the type has (src/dst flags it reads). */
    int dims() {
      return type.equals("list:set") ? 0 : type.split(",").length;
    }

    /**
     * ip_set_test: whether {@code p} is in the set, dimension i taken from the source when
     * {@code src[i]}, else the destination.
     */
    boolean test(Packet p, boolean[] src, boolean returnNomatch) {
      if (type.equals("list:set")) {
        for (IpSet m : members) {
          if (m.test(p, src, returnNomatch)) {
            return true;
          }
        }
        return false;
      }
      if (type.equals("bitmap:port")) {
        int port = port(p, dim(src, 0));
        if (port < 0) {
          return false;
        }
        for (Entry e : entries) {
          if (e.portLo() <= port && port <= e.portHi()) {
            return true;
          }
        }
        return false;
      }
      if (family != null && p.ipVersion() != (family == Family.IPV4 ? 4 : 6)) {
        return false;
      }
      IpAddress a = dim(src, 0) ? p.src() : p.dst();
      int port = -1;
      if (type.endsWith(",port")) {
        port = port(p, dim(src, 1));
        if (port < 0) {
          return false;
        }
      }
      // the most specific entry holding the address decides (hash:net's walk from the longest prefix)
      Entry best = null;
      for (Entry e : entries) {
        if (e.net().contains(a) && (port < 0 || (e.proto() == p.protocol() && e.portLo() <= port && port <= e.portHi()))
            && (best == null || e.net().prefix() > best.net().prefix())) {
          best = e;
        }
      }
      if (best == null) {
        return false;
      }
      boolean in = !best.nomatch();
      return nomatchType() && returnNomatch ? !in : in;
    }

    private static boolean dim(boolean[] src, int i) {
      return i < src.length && src[i];
    }

    /** The packet's port for a dimension: TCP, UDP, SCTP and UDP-Lite carry one; -1 otherwise. */
    private static int port(Packet p, boolean source) {
      int proto = p.protocol();
      if (p.fragment() || !(proto == 6 || proto == 17 || proto == 132 || proto == 136)) {
        return -1;
      }
      if (p.srcPort() >= 0) {
        return source ? p.srcPort() : p.dstPort();
      }
      byte[] b = p.frame();
      int off = p.l4Offset() + (source ? 0 : 2);
      return b == null || p.l4Offset() < 0 || off + 2 > b.length ? -1 : Bytes.u16(b, off);
    }
  }

  /** One element: an address or network, a protocol and port range (-1 when the type has none), nomatch. */
  public record Entry(Cidr net, int proto, int portLo, int portHi, boolean nomatch) {}

  private static final Set<String> TYPES = Set.of("hash:ip", "hash:net", "hash:ip,port", "hash:net,port",
      "bitmap:port", "list:set");
  private static final Set<String> CREATE_OPTS = Set.of("family", "hashsize", "maxelem", "bucketsize", "initval",
      "timeout", "netmask", "range", "size", "markmask");
  private static final Set<String> CREATE_FLAGS = Set.of("counters", "comment", "skbinfo", "forceadd");
  private static final Set<String> ADD_OPTS = Set.of("timeout", "packets", "bytes", "comment", "skbmark", "skbprio",
      "skbqueue", "before", "after");

  /**
   * Reads {@code ipset save} files, by name (as errors name them) in order: a later file may add to a
   * set an earlier one created. Errors name file, line and column.
   */
  public static IpSets read(Map<String, String> files) throws RuleSyntaxException {
    Map<String, Building> out = new LinkedHashMap<>();
    for (Map.Entry<String, String> f : files.entrySet()) {
      int lineNo = 0;
      for (String line : f.getValue().split("\n", -1)) {
        lineNo++;
        if (line.strip().isEmpty() || line.strip().startsWith("#")) {
          continue;
        }
        line(new Args(f.getKey(), lineNo, LineTokenizer.split(f.getKey(), lineNo, line)), out);
      }
    }
    Map<String, IpSet> sets = new LinkedHashMap<>();
    for (Building b : out.values()) {
      sets.put(b.name, b.build(sets));
    }
    return new IpSets(Map.copyOf(sets));
  }

  /** A set being read. */
  private static final class Building {
    final String name;
    final String type;
    Family family;
    final List<Entry> entries = new ArrayList<>();
    final List<String> members = new ArrayList<>();
    int portLo = 0;
    int portHi = 65535;

    Building(String name, String type) {
      this.name = name;
      this.type = type;
    }

    IpSet build(Map<String, IpSet> done) {
      List<IpSet> m = new ArrayList<>();
      for (String s : members) {
        m.add(done.get(s));
      }
      boolean noFamily = type.equals("bitmap:port") || type.equals("list:set");
      return new IpSet(name, type, noFamily ? null : family == null ? Family.IPV4 : family, List.copyOf(entries),
          List.copyOf(m), portLo, portHi);
    }
  }

  private static void line(Args a, Map<String, Building> sets) throws RuleSyntaxException {
    Token cmd = a.next();
    switch (cmd.text()) {
      case "create", "-N" -> {
        Token name = a.value(cmd, "a set name");
        Token type = a.value(name, "a set type");
        if (sets.containsKey(name.text())) {
          throw a.error(name, "a new set name (set " + name.text() + " already exists)");
        }
        if (!TYPES.contains(type.text())) {
          throw a.error(type, "a set type statewall reads: " + String.join(", ", TYPES.stream().sorted().toList()));
        }
        Building b = new Building(name.text(), type.text());
        while (a.hasNext()) {
          Token o = a.next();
          if (CREATE_FLAGS.contains(o.text())) {
            continue;
          }
          if (!CREATE_OPTS.contains(o.text())) {
            throw a.error(o, "an option of ipset create (" + String.join(", ", CREATE_OPTS.stream().sorted().toList())
                + ", or a flag " + String.join(", ", CREATE_FLAGS.stream().sorted().toList()) + ")");
          }
          Token v = a.value(o, "a value");
          if (o.text().equals("family")) {
            b.family = switch (v.text()) {
              case "inet" -> Family.IPV4;
              case "inet6" -> Family.IPV6;
              default -> throw a.error(v, "inet or inet6");
            };
          } else if (o.text().equals("range")) {
            int[] r = portRange(a, v);
            b.portLo = r[0];
            b.portHi = r[1];
          }
        }
        sets.put(b.name, b);
      }
      case "add", "-A" -> {
        Token name = a.value(cmd, "a set name");
        Building b = sets.get(name.text());
        if (b == null) {
          throw a.error(name, "a set created earlier (set " + name.text() + " does not exist)");
        }
        Token elem = a.value(name, "an element");
        boolean nomatch = false;
        while (a.hasNext()) {
          Token o = a.next();
          if (o.text().equals("nomatch") && b.type.startsWith("hash:net")) {
            nomatch = true;
          } else if (ADD_OPTS.contains(o.text())) {
            a.value(o, "a value");
          } else {
            throw a.error(o, "an option of ipset add (nomatch for hash:net types, timeout, packets, bytes, comment, "
                + "skbmark, skbprio, skbqueue)");
          }
        }
        element(a, b, elem, nomatch, sets);
      }
      default -> throw a.error(cmd, "an ipset save line: create NAME TYPE ... or add NAME ELEMENT ...");
    }
  }

  private static void element(Args a, Building b, Token t, boolean nomatch, Map<String, Building> sets)
      throws RuleSyntaxException {
    String s = t.text();
    switch (b.type) {
      case "list:set" -> {
        Building m = sets.get(s);
        if (m == null || m.type.equals("list:set")) {
          throw a.error(t, "a set of another type created earlier (list:set holds sets)");
        }
        b.members.add(s);
      }
      case "bitmap:port" -> {
        int[] r = portRange(a, t);
        if (r[0] < b.portLo || r[1] > b.portHi) {
          throw a.error(t, "ports within the set's range " + b.portLo + "-" + b.portHi);
        }
        b.entries.add(new Entry(null, -1, r[0], r[1], false));
      }
      default -> {
        Family fam = b.family == null ? Family.IPV4 : b.family;
        int comma = b.type.endsWith(",port") ? s.indexOf(',') : -1;
        String addr = comma < 0 ? s : s.substring(0, comma);
        Cidr net = Values.cidr(addr, fam);
        if (net == null || (b.type.startsWith("hash:ip") && addr.contains("/") && net.prefix() < 0)) {
          throw a.error(t, "an " + (fam == Family.IPV4 ? "IPv4" : "IPv6") + " address" + (b.type.startsWith("hash:net")
              ? " or network" : "") + (comma >= 0 || b.type.endsWith(",port") ? ",[PROTO:]PORT" : ""));
        }
        if (!b.type.endsWith(",port")) {
          b.entries.add(new Entry(net, -1, -1, -1, nomatch));
          return;
        }
        if (comma < 0) {
          throw a.error(t, "ADDRESS,[PROTO:]PORT");
        }
        String pp = s.substring(comma + 1);
        int colon = pp.indexOf(':');
        String proto = colon < 0 ? "tcp" : pp.substring(0, colon);
        int p = switch (proto) {
          case "tcp" -> 6;
          case "udp" -> 17;
          case "sctp" -> 132;
          case "udplite" -> 136;
          default -> throw a.error(t, "a protocol tcp, udp, sctp or udplite before the port");
        };
        int[] r = portRange(a, new Token(colon < 0 ? pp : pp.substring(colon + 1), t.column()));
        b.entries.add(new Entry(net, p, r[0], r[1], nomatch));
      }
    }
  }

  private static int[] portRange(Args a, Token t) throws RuleSyntaxException {
    String[] parts = t.text().split("-", -1);
    long lo = parts.length <= 2 ? Values.number(parts[0], 0, 65535) : -1;
    long hi = parts.length == 2 ? Values.number(parts[1], 0, 65535) : lo;
    if (lo < 0 || hi < lo) {
      throw a.error(t, "a port 0-65535 or a range FROM-TO");
    }
    return new int[] {(int) lo, (int) hi};
  }
}
