package io.statewall.netfilter.rules;

import com.google.common.net.InetAddresses;
import io.statewall.netfilter.packet.Family;
import io.statewall.netfilter.packet.IpAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/** Parses the values of options (addresses, ports, ranges) as iptables' libxtables does. */
final class Values {
  private Values() {}

  /** A literal address of the family; names are not resolved. Null when not one. */
  private static final Pattern V4 = Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}");
  private static final Pattern SMALL = Pattern.compile("\\d{1,3}");

  static IpAddress address(String s, Family fam) {
    if (fam == Family.IPV4 ? !V4.matcher(s).matches() : !s.contains(":")) {
      return null;
    }
    try {
      IpAddress a = IpAddress.of(InetAddresses.forString(s));
      return a.family() == fam ? a : null;
    } catch (IllegalArgumentException e) {
      return null;
    }
  }

  /** {@code addr[/len|/mask][,addr...]} as -s/-d take it. */
  static List<Cidr> addresses(Args a, Token t, Family fam) throws RuleSyntaxException {
    List<Cidr> out = new ArrayList<>();
    for (String part : t.text().split(",", -1)) {
      Cidr c = cidr(part, fam);
      if (c == null) {
        throw a.error(t, "an " + (fam == Family.IPV4 ? "IPv4" : "IPv6")
            + " address, address/length or address/mask (host/network '" + part + "' not found)");
      }
      if (!out.contains(c)) {
        out.add(c);
      }
    }
    return out;
  }

  static Cidr cidr(String s, Family fam) {
    int slash = s.indexOf('/');
    IpAddress addr = address(slash < 0 ? s : s.substring(0, slash), fam);
    if (addr == null) {
      return null;
    }
    int bits = fam == Family.IPV4 ? 32 : 128;
    if (slash < 0) {
      return Cidr.of(addr, bits);
    }
    String m = s.substring(slash + 1);
    if (SMALL.matcher(m).matches()) {
      int len = Integer.parseInt(m);
      return len <= bits ? Cidr.of(addr, len) : null;
    }
    IpAddress mask = address(m, fam);
    return mask == null ? null : Cidr.withMask(addr, mask.hi(), mask.lo());
  }

  /** A port or service name (per protocol), or a range {@code a:b} with either end optional. */
  static PortRange portRange(Args a, Token t, String proto, boolean ordered) throws RuleSyntaxException {
    String s = t.text();
    int colon = s.indexOf(':');
    if (colon < 0) {
      int p = port(a, t, s, proto);
      return new PortRange(p, p);
    }
    String lo = s.substring(0, colon);
    String hi = s.substring(colon + 1);
    int l = lo.isEmpty() ? 0 : port(a, t, lo, proto);
    int h = hi.isEmpty() ? 65535 : port(a, t, hi, proto);
    if (ordered && l > h) {
      throw a.error(t, "a port range with min <= max (invalid portrange (min > max))");
    }
    return new PortRange(l, h);
  }

  static int port(Args a, Token t, String s, String proto) throws RuleSyntaxException {
    int p = Netbase.get().port(s, proto);
    if (p < 0) {
      throw a.error(t, "a port number 0-65535 or a " + proto + " service name (invalid port/service '"
          + s + "' specified)");
    }
    return p;
  }

  /** A decimal number in [min, max], or -1. */
  static long number(String s, long min, long max) {
    if (s.isEmpty() || s.length() > 10 || !s.chars().allMatch(Character::isDigit)) {
      return -1;
    }
    long v = Long.parseLong(s);
    return v < min || v > max ? -1 : v;
  }

  /** An unsigned number as xtables_strtoui reads it (decimal, 0x hex, 0 octal) in [0, max], or -1. */
  static long uint(String s, long max) {
    if (s.isEmpty() || s.length() > 12) {
      return -1;
    }
    try {
      long v;
      if (s.startsWith("0x") || s.startsWith("0X")) {
        v = s.length() == 2 ? -1 : Long.parseLong(s.substring(2), 16);
      } else if (s.length() > 1 && s.startsWith("0")) {
        v = Long.parseLong(s.substring(1), 8);
      } else {
        v = Long.parseLong(s);
      }
      return v < 0 || v > max ? -1 : v;
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  /** {@code VALUE[/MASK]} as xtables_parse_mark_mask reads it; the mask defaults to {@code defMask}. */
  static long[] valueMask(Args a, Token t, long max, long defMask) throws RuleSyntaxException {
    String s = t.text();
    int slash = s.indexOf('/');
    long v = uint(slash < 0 ? s : s.substring(0, slash), max);
    long m = slash < 0 ? defMask : uint(s.substring(slash + 1), max);
    if (v < 0 || m < 0) {
      throw a.error(t, "a value[/mask] of 0-0x" + Long.toHexString(max) + " (bad value '" + s + "')");
    }
    return new long[] {v, m};
  }

  /**
   * {@code N}, {@code N:M}, {@code :M} or {@code N:} of unsigned 32-bit numbers as XTTYPE_UINT32RC reads
   * them (open ends are 0 and 4294967295; a reversed range loads, and matches nothing).
   */
  static long[] uintRange(Args a, Token t, String option) throws RuleSyntaxException {
    String s = t.text();
    String[] parts = s.split(":", -1);
    if (parts.length > 2) {
      throw a.error(t, "NUM or NUM:NUM (Too many components for option \"" + option + "\" (max: 2))");
    }
    long lo = parts[0].isEmpty() && parts.length == 2 ? 0 : uint(parts[0], 0xFFFF_FFFFL);
    long hi = parts.length == 1 ? lo : parts[1].isEmpty() ? 0xFFFF_FFFFL : uint(parts[1], 0xFFFF_FFFFL);
    if (lo < 0 || hi < 0) {
      throw a.error(t, "NUM[:NUM] of 0-4294967295 (bad value for option \"" + option + "\", or out of range "
          + "(0-4294967295))");
    }
    return new long[] {lo, hi};
  }
}
