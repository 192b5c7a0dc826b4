package io.statewall.netfilter.conntrack;

import io.statewall.netfilter.packet.Packet;

/**
 * UDP, from nf_conntrack_proto_udp.c: a flow seen both ways that still runs past its first 2 s is a
 * stream (ASSURED, the longer timeout); anything else gets the short one.
 */
final class UdpTracker implements L4Tracker {
  /** How long after its first packet a flow seen both ways counts as a stream. */
  private static final long STREAM_AFTER_MILLIS = 2000;

  private final long millis;
  private final long streamMillis;

  UdpTracker(CtTimeouts t) {
    millis = t.udp() * 1000L;
    streamMillis = t.udpStream() * 1000L;
  }

  @Override
  public String refusesNew(CtEntry e, Packet p) {
    return null;
  }

  @Override
  public int packet(CtEntry e, Packet p, int dir, long now) {
    if (e.hasStatus(CtEntry.SEEN_REPLY) && now - e.created() > STREAM_AFTER_MILLIS) {
      e.expires = now + streamMillis;
      e.status |= CtEntry.ASSURED;
    } else {
      e.expires = now + millis;
    }
    return ACCEPT;
  }

  @Override
  public long timeout(CtEntry e) {
    return e.hasStatus(CtEntry.ASSURED) ? streamMillis : millis;
  }

  /** The switch's packets count as Linux's udp_packet counts its own, offloaded or not. */
  @Override
  public void unseen(CtEntry e, int dir, long packets, long bytes, long now) {
    if (packets > 0 && e.hasStatus(CtEntry.SEEN_REPLY) && now - e.created() > STREAM_AFTER_MILLIS) {
      e.status |= CtEntry.ASSURED;
    }
  }
}
