package io.statewall.netfilter.packet;

import com.google.common.net.InetAddresses;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * An IPv4 or IPv6 address as two longs: cheap to hash and compare on the packet path.
 *
 * <p>IPv4 addresses keep {@code hi == 0} and the address in the low 32 bits of {@code lo}.
 */
public record IpAddress(Family family, long hi, long lo) implements Comparable<IpAddress> {

  public static IpAddress v4(int address) {
    return new IpAddress(Family.IPV4, 0L, address & 0xFFFF_FFFFL);
  }

  public static IpAddress v6(long hi, long lo) {
    return new IpAddress(Family.IPV6, hi, lo);
  }

  /** Parses a literal address ("10.0.0.1", "2001:db8::1"); throws IllegalArgumentException. */
  public static IpAddress parse(String literal) {
    return of(InetAddresses.forString(literal));
  }

  public static IpAddress of(InetAddress address) {
    byte[] b = address.getAddress();
    return of(b, 0, b.length == 16 ? Family.IPV6 : Family.IPV4);
  }

  /** Reads 4 (IPv4) or 16 (IPv6) bytes from {@code buf} at {@code off}. */
  public static IpAddress of(byte[] buf, int off, Family family) {
    if (family == Family.IPV4) {
      return v4(Bytes.i32(buf, off));
    }
    return v6(Bytes.u64(buf, off), Bytes.u64(buf, off + 8));
  }

  public boolean isV6() {
    return family == Family.IPV6;
  }

  /** The IPv4 address as an int; only meaningful when {@code !isV6()}. */
  public int v4Int() {
    return (int) lo;
  }

  public byte[] toBytes() {
    if (family == Family.IPV4) {
      byte[] b = new byte[4];
      Bytes.put32(b, 0, lo);
      return b;
    }
    byte[] b = new byte[16];
    Bytes.put64(b, 0, hi);
    Bytes.put64(b, 8, lo);
    return b;
  }

  public InetAddress toInetAddress() {
    try {
      return InetAddress.getByAddress(toBytes());
    } catch (UnknownHostException e) {
      throw new AssertionError(e);
    }
  }

  @Override
  public int compareTo(IpAddress o) {
    if (family != o.family) {
      return family.compareTo(o.family); // IPv4 before IPv6
    }
    int c = Long.compareUnsigned(hi, o.hi);
    return c != 0 ? c : Long.compareUnsigned(lo, o.lo);
  }

  /**
   * As the record's own hash was with a boolean in {@code family}'s place: an enum's hash is its
   * identity, which would make hash maps of addresses iterate in another order on every run.
   */
  @Override
  public int hashCode() {
    return ((family == Family.IPV6 ? 1231 : 1237) * 31 + Long.hashCode(hi)) * 31 + Long.hashCode(lo);
  }

  @Override
  public String toString() {
    InetAddress a = toInetAddress();
    return a instanceof Inet6Address ? InetAddresses.toAddrString(a) : ((Inet4Address) a).getHostAddress();
  }
}
