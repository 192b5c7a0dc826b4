package io.statewall.netfilter.rules;

import io.statewall.netfilter.packet.Bytes;
import io.statewall.netfilter.packet.Family;
import io.statewall.netfilter.packet.IpAddress;
import io.statewall.netfilter.packet.Packet;
import java.util.List;

/**
 * {@code -m rt} (ip6tables): ip6t_rt's tests of the packet's routing header, found by walking the
 * extension headers as ipv6_find_hdr does. Numbers are unsigned 32-bit values as the kernel keeps them;
 * {@code segsLo..segsHi} is 0..0xFFFFFFFF when not given.
 *
 * @param type -1 when not tested
 * @param length the header's length in bytes ({@code --rt-len}), -1 when not tested
 * @param addrs {@code --rt-0-addrs} (empty when not given)
 */
public record RtMatch(long type, boolean typeInv, long segsLo, long segsHi, boolean segsInv, long length,
    boolean lengthInv, boolean reserved, List<IpAddress> addrs, boolean addrsGiven, boolean notStrict)
    implements Match {
  private static final int ROUTING = 43;

  public RtMatch {
    addrs = List.copyOf(addrs);
  }

  @Override
  public boolean test(Packet p, ConnInfo ct) {
    byte[] b = p.frame();
    int end = p.l3Offset() + p.ipLength();
    if (b == null || p.ipVersion() != 6 || p.l3Offset() < 0 || end > b.length) {
      return false;
    }
    int at = routingHeader(b, p.l3Offset(), end);
    if (at < 0 || end - at < 4) {
      return false;
    }
    int hdrLen = ((b[at + 1] & 0xFF) + 1) * 8;
    if (end - at < hdrLen) {
      // a packet shorter than its length field
      return false;
    }
    int segs = b[at + 3] & 0xFF;
    boolean ret = ((segs >= segsLo && segs <= segsHi) != segsInv)
        && (length < 0 || (length == hdrLen) != lengthInv)
        && (type < 0 || (type == (b[at + 2] & 0xFF)) != typeInv);
    if (ret && reserved) {
      ret = hdrLen >= 8 && b[at + 4] == 0 && b[at + 5] == 0 && b[at + 6] == 0 && b[at + 7] == 0;
    }
    if (!addrsGiven) {
      return ret;
    }
    int present = (hdrLen - 8) / 16;
    if (addrs.size() > present) {
      return false;
    }
    if (notStrict) {
      // the rule's addresses in order, others between them allowed
      int i = 0;
      for (int k = 0; k < present && i < addrs.size(); k++) {
        if (IpAddress.of(b, at + 8 + 16 * k, Family.IPV6).equals(addrs.get(i))) {
          i++;
        }
      }
      return i == addrs.size() && ret;
    }
    for (int k = 0; k < addrs.size(); k++) {
      if (!IpAddress.of(b, at + 8 + 16 * k, Family.IPV6).equals(addrs.get(k))) {
        return false;
      }
    }
    return addrs.size() == present && ret;
  }

  /** ipv6_find_hdr for the routing header: its offset, or -1 when the packet has none. */
  private static int routingHeader(byte[] b, int l3, int end) {
    int next = b[l3 + 6] & 0xFF;
    int at = l3 + 40;
    while (true) {
      if (next == ROUTING) {
        return at;
      }
      if (next != 0 && next != 60 && next != 51 && next != 44) {
        return -1;
      }
      if (end - at < 8) {
        return -1;
      }
      if (next == 44 && (Bytes.u16(b, at + 2) & 0xFFF8) != 0) {
        // a later fragment: its headers are not there
        return -1;
      }
      int len = next == 44 ? 8 : next == 51 ? ((b[at + 1] & 0xFF) + 2) * 4 : ((b[at + 1] & 0xFF) + 1) * 8;
      next = b[at] & 0xFF;
      at += len;
    }
  }

  /** Treated as constant for a connection's direction, as {@code -m ttl} is (docs/rules.md). */
  @Override
  public boolean perPacket() {
    return false;
  }

  @Override
  public void save(StringBuilder sb) {
    sb.append(" -m rt");
    if (type >= 0) {
      sb.append(Match.inv(typeInv)).append(" --rt-type ").append(type);
    }
    if (!(segsLo == 0 && segsHi == 0xFFFF_FFFFL)) {
      sb.append(Match.inv(segsInv)).append(" --rt-segsleft ").append(segsLo);
      if (segsHi != segsLo) {
        sb.append(':').append(segsHi);
      }
    }
    if (length >= 0) {
      sb.append(Match.inv(lengthInv)).append(" --rt-len ").append(length);
    }
    if (reserved) {
      sb.append(" --rt-0-res");
    }
    if (addrsGiven) {
      sb.append(" --rt-0-addrs");
      for (int i = 0; i < addrs.size(); i++) {
        sb.append(i == 0 ? ' ' : ',').append(addrs.get(i));
      }
    }
    if (notStrict) {
      sb.append(" --rt-0-not-strict");
    }
  }
}
