package io.statewall.firewall.forwarding;

import io.statewall.netfilter.packet.Bytes;
import java.util.Arrays;
import org.projectfloodlight.openflow.types.IPAddress;
import org.projectfloodlight.openflow.types.IPv4Address;
import org.projectfloodlight.openflow.types.U64;

/**
 * The flow cookie naming a connection: a fixed tag in the high 16 bits (so FLOW_REMOVED and
 * deletes can tell statewall's entries from anyone else's) and 48 bits of a hash of the
 * connection's endpoints, the same from either direction.
 *
 * <p>The hash mixes the fields as longs (a murmur3-style finaliser per step): the bench's profile
 * showed the earlier Guava murmur3 hasher allocating a hasher, two address byte arrays per compare
 * and per endpoint (IPv4; IPv6 still reads its bytes), and a hash code for every flow-mod batch.
 */
public final class ConnectionCookie {

  /** "SW" in the top 16 bits. */
  public static final long TAG = 0x5357_0000_0000_0000L;
  public static final long TAG_MASK = 0xFFFF_0000_0000_0000L;

  private ConnectionCookie() {}

  public static U64 of(ExactMatch m) {
    int icmp = m.isIcmp() ? IcmpQueries.pairKey(m.family(), m.icmpType()) : -1;
    boolean forward = compare(m.src(), m.srcPort(), m.dst(), m.dstPort()) <= 0;
    long h = mix(0x5357_4C4C_0000_0001L, ((long) m.ethType() << 32) | (m.ipProto() & 0xFFFF_FFFFL));
    h = mix(h, ((long) icmp << 32) | (m.vlan() & 0xFFFF_FFFFL));
    h = endpoint(h, forward ? m.src() : m.dst(), forward ? m.srcPort() : m.dstPort());
    h = endpoint(h, forward ? m.dst() : m.src(), forward ? m.dstPort() : m.srcPort());
    return U64.of(TAG | (fmix(h) & ~TAG_MASK));
  }

  public static boolean isOurs(U64 cookie) {
    return (cookie.getValue() & TAG_MASK) == TAG;
  }

  private static long endpoint(long h, IPAddress<?> a, int port) {
    if (a instanceof IPv4Address v4) {
      return mix(h, ((long) v4.getInt() << 32) | (port & 0xFFFF_FFFFL));
    }
    byte[] b = a.getBytes(); // IPv6: openflowj exposes its two longs only as bytes
    return mix(mix(mix(h, Bytes.u64(b, 0)), Bytes.u64(b, 8)), port);
  }

  private static long mix(long h, long v) {
    return Long.rotateLeft(h ^ fmix(v), 27) * 5 + 0x52DC_E729L;
  }

  /** murmur3's 64-bit finaliser: every input bit reaches every output bit. */
  private static long fmix(long k) {
    k ^= k >>> 33;
    k *= 0xFF51_AFD7_ED55_8CCDL;
    k ^= k >>> 33;
    k *= 0xC4CE_B9FE_1A85_EC53L;
    k ^= k >>> 33;
    return k;
  }

  /** Addresses as unsigned numbers (the byte order), then ports: picks one direction as "forward". */
  private static int compare(IPAddress<?> a, int ap, IPAddress<?> b, int bp) {
    int c;
    if (a instanceof IPv4Address x && b instanceof IPv4Address y) {
      c = Integer.compareUnsigned(x.getInt(), y.getInt());
    } else {
      c = Arrays.compareUnsigned(a.getBytes(), b.getBytes());
    }
    return c != 0 ? c : Integer.compare(ap, bp);
  }
}
