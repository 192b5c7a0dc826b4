package io.statewall.apps.forwarding;

import com.google.common.hash.Hasher;
import com.google.common.hash.Hashing;
import org.projectfloodlight.openflow.types.IPAddress;
import org.projectfloodlight.openflow.types.U64;

/**
 * The flow cookie naming a connection: a fixed tag in the high 16 bits (so FLOW_REMOVED and
 * deletes can tell statewall's entries from anyone else's) and 48 bits of a hash of the
 * connection's endpoints, the same from either direction.
 */
public final class ConnectionCookie {

  /** "SW" in the top 16 bits. */
  public static final long TAG = 0x5357_0000_0000_0000L;
  public static final long TAG_MASK = 0xFFFF_0000_0000_0000L;

  private ConnectionCookie() {}

  public static U64 of(ExactMatch m) {
    int icmp = m.isIcmp() ? IcmpQueries.family(m.isV6(), m.icmpType()) : -1;
    boolean forward = compare(m.src(), m.srcPort(), m.dst(), m.dstPort()) <= 0;
    Hasher h = Hashing.murmur3_128().newHasher()
        .putInt(m.ethType()).putInt(m.ipProto()).putInt(icmp).putInt(m.vlan());
    endpoint(h, forward ? m.src() : m.dst(), forward ? m.srcPort() : m.dstPort());
    endpoint(h, forward ? m.dst() : m.src(), forward ? m.dstPort() : m.srcPort());
    return U64.of(TAG | (h.hash().asLong() & ~TAG_MASK));
  }

  public static boolean isOurs(U64 cookie) {
    return (cookie.getValue() & TAG_MASK) == TAG;
  }

  private static void endpoint(Hasher h, IPAddress<?> a, int port) {
    h.putBytes(a.getBytes()).putInt(port);
  }

  private static int compare(IPAddress<?> a, int ap, IPAddress<?> b, int bp) {
    byte[] x = a.getBytes();
    byte[] y = b.getBytes();
    int c = java.util.Arrays.compareUnsigned(x, y);
    return c != 0 ? c : Integer.compare(ap, bp);
  }
}
