package io.statewall.netfilter.conntrack;

import io.statewall.netfilter.packet.Packet;

/**
 * One protocol's connection tracking, as Linux's {@code nf_conntrack_l4proto}: whether a packet may
 * start a connection, what each packet does to it and its timeout, and what traffic the controller
 * did not see (offloaded, adopted) does. Implementations work on {@link CtEntry} fields; callers
 * hold the entry's shard lock. One class per protocol: {@link TcpTracker}, {@link UdpTracker},
 * {@link IcmpTracker} (ICMP and ICMPv6), {@link GenericTracker} (the last two {@link OneTimeoutTracker}s).
 */
interface L4Tracker {
  /** The packet is part of the connection. */
  int ACCEPT = 0;
  /** Accepted, but it moved nothing (Linux's ignored packets: not counted). */
  int IGNORE = 1;
  /** The connection's state does not allow it. */
  int INVALID = 2;
  /** Accepted, and the connection is gone with it (an RST in some states). */
  int KILL = 3;
  /** The packet reopens a closed connection: the old one goes, the packet is tracked as new. */
  int REPEAT = 4;
  /** An offloaded connection's trapped RST or FIN whose sequence number its sender cannot have reached. */
  int OUT_OF_OFFLOADED_WINDOW = 5;

  /**
   * May {@code p} start {@code e} (just made from it)? Null if so, with {@code e}'s protocol state
   * initialised; otherwise why not (the packet is INVALID).
   */
  String refusesNew(CtEntry e, Packet p);

  /** Tracks one packet of {@code e} in direction {@code dir} (0 ORIGINAL): a result code above; sets its expiry. */
  int packet(CtEntry e, Packet p, int dir, long now);

  /** The timeout a refresh gives {@code e} now (traffic reported by the switches, adoption), in ms. */
  long timeout(CtEntry e);

  /** The switches carried {@code packets} of {@code bytes} in direction {@code dir} that we did not see. */
  default void unseen(CtEntry e, int dir, long packets, long bytes, long now) {}

  /** {@code e} was found running in the switches, established both ways, with nothing of it seen. */
  default void adopted(CtEntry e) {}
}
