package io.statewall.netfilter.rules;

import io.statewall.netfilter.packet.IpAddress;
import io.statewall.netfilter.packet.Packet;

/**
 * {@code -m rpfilter}: xt_rpfilter's reverse-path test, decided from where the network says the source
 * lives ({@link Attachments#reversePath}): strict, the source must live behind the ingress port;
 * {@code --loose}, anywhere the network reaches. {@code --validmark} changes nothing (no packet
 * marks); {@code --accept-local} is kept for the save text (a network has no local addresses).
 */
public record RpFilterMatch(boolean loose, boolean validMark, boolean acceptLocal, boolean invert) implements Match {
  private static final IpAddress ZERO = IpAddress.v4(0);

  /** Without the packet's way in nothing rules the source out (only the offload analysis asks this). */
  @Override
  public boolean test(Packet p, ConnInfo ct) {
    return true;
  }

  @Override
  public boolean test(Packet p, ConnInfo ct, Attachments at) {
    IpAddress src = p.src();
    if (src == null) {
      return invert;
    }
    // rpfilter_mt: a DHCP client's 0.0.0.0 to the broadcast or a link-local group passes
    if (src.equals(ZERO) && p.dst() != null && !p.dst().isV6()
        && (p.dst().v4Int() == -1 || (p.dst().v4Int() & 0xFFFF_FF00) == 0xE000_0000)) {
      return !invert;
    }
    return at.reversePath(src, loose) != invert;
  }

  /** The source address and the ingress port are the same for every packet of a connection direction. */
  @Override
  public boolean perPacket() {
    return false;
  }

  @Override
  public void save(StringBuilder sb) {
    sb.append(" -m rpfilter");
    if (loose) {
      sb.append(" --loose");
    }
    if (validMark) {
      sb.append(" --validmark");
    }
    if (acceptLocal) {
      sb.append(" --accept-local");
    }
    if (invert) {
      sb.append(" --invert");
    }
  }
}
