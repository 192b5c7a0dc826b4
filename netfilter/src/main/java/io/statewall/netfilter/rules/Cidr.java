package io.statewall.netfilter.rules;

import io.statewall.netfilter.packet.Family;
import io.statewall.netfilter.packet.IpAddress;

/**
 * An address with a mask, as {@code -s}/{@code -d} hold it: the network is stored already masked
 * (iptables prints {@code -s 10.1.2.3/8} back as {@code 10.0.0.0/8}).
 *
 * @param prefix the prefix length, or -1 for a non-contiguous dotted mask
 */
public record Cidr(IpAddress network, long maskHi, long maskLo, int prefix) {

  public static Cidr of(IpAddress address, int prefix) {
    long hi;
    long lo;
    if (address.isV6()) {
      hi = prefix == 0 ? 0 : prefix >= 64 ? -1L : -1L << (64 - prefix);
      lo = prefix <= 64 ? 0 : prefix == 128 ? -1L : -1L << (128 - prefix);
    } else {
      hi = 0;
      lo = prefix == 0 ? 0 : (0xFFFF_FFFFL << (32 - prefix)) & 0xFFFF_FFFFL;
    }
    return withMask(address, hi, lo);
  }

  /** An address with an arbitrary mask; the prefix is derived when the mask is contiguous. */
  public static Cidr withMask(IpAddress address, long maskHi, long maskLo) {
    IpAddress net = new IpAddress(address.family(), address.hi() & maskHi, address.lo() & maskLo);
    return new Cidr(net, maskHi, maskLo, prefixOf(address.family(), maskHi, maskLo));
  }

  private static int prefixOf(Family family, long hi, long lo) {
    int bits = family == Family.IPV6 ? Long.bitCount(hi) + Long.bitCount(lo) : Long.bitCount(lo);
    long eh;
    long el;
    if (family == Family.IPV6) {
      eh = bits == 0 ? 0 : bits >= 64 ? -1L : -1L << (64 - bits);
      el = bits <= 64 ? 0 : bits == 128 ? -1L : -1L << (128 - bits);
    } else {
      eh = 0;
      el = bits == 0 ? 0 : (0xFFFF_FFFFL << (32 - bits)) & 0xFFFF_FFFFL;
    }
    return eh == hi && el == lo ? bits : -1;
  }

  /** Parses "10.0.0.1", "10.0.0.0/24", "10.0.0.0/255.255.255.0" or an IPv6 equivalent; null when not one. */
  public static Cidr parse(String text) {
    Cidr c = Values.cidr(text, Family.IPV4);
    return c != null ? c : Values.cidr(text, Family.IPV6);
  }

  public Family family() {
    return network.family();
  }

  public boolean isAny() {
    return maskHi == 0 && maskLo == 0;
  }

  public boolean isHost() {
    return prefix == (family() == Family.IPV6 ? 128 : 32);
  }

  public boolean contains(IpAddress a) {
    return a != null && a.family() == network.family()
        && (a.hi() & maskHi) == network.hi() && (a.lo() & maskLo) == network.lo();
  }

  /** The mask as iptables prints it after a slash: a length, or a dotted mask when non-contiguous. */
  public String maskText() {
    if (prefix >= 0) {
      return Integer.toString(prefix);
    }
    return new IpAddress(family(), maskHi, maskLo).toString();
  }

  /** {@code net/len} as iptables-save prints {@code -s} and {@code -d}. */
  @Override
  public String toString() {
    return network + "/" + maskText();
  }
}
