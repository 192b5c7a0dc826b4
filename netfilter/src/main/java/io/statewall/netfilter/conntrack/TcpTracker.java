package io.statewall.netfilter.conntrack;

import io.statewall.netfilter.packet.Bytes;
import io.statewall.netfilter.packet.Packet;

/**
 * TCP state machine and window tracking, following Linux's nf_conntrack_proto_tcp.c (6.x):
 * the state table, flag validity, loose pickup, reopening from TIME_WAIT/CLOSE, RST handling,
 * sequence-window checks and timeouts. Works on {@link CtEntry} fields; callers hold its lock.
 */
final class TcpTracker implements L4Tracker {

  static final int NONE = 0;
  static final int SYN_SENT = 1;
  static final int SYN_RECV = 2;
  static final int ESTABLISHED = 3;
  static final int FIN_WAIT = 4;
  static final int CLOSE_WAIT = 5;
  static final int LAST_ACK = 6;
  static final int TIME_WAIT = 7;
  static final int CLOSE = 8;
  static final int SYN_SENT2 = 9;
  static final int STATES = 10;
  /** Table values beyond the states. */
  static final int IV = 10;
  static final int IG = 11;

  static final int SYN_SET = 0;
  static final int SYNACK_SET = 1;
  static final int FIN_SET = 2;
  static final int ACK_SET = 3;
  static final int RST_SET = 4;
  static final int NONE_SET = 5;


  /** {@code CtEntry.unseen0/1}: the sender's end is not known from a packet of ours. */
  static final int UNSEEN_UNKNOWN = -1;
  /** Past this much unseen traffic (1 GB) a window around the last known end means nothing. */
  static final int UNSEEN_CAP = 1 << 30;
  /** The shortest frame carrying a TCP segment (Ethernet, IPv4 and TCP headers, no options). */
  static final int MIN_TCP_FRAME = 54;

  // ip_ct_tcp_state.flags
  static final int F_WINDOW_SCALE = 0x01;
  static final int F_SACK_PERM = 0x02;
  static final int F_CLOSE_INIT = 0x04;
  static final int F_BE_LIBERAL = 0x08;
  static final int F_DATA_UNACKNOWLEDGED = 0x10;
  static final int F_MAXACK_SET = 0x20;
  // last_flags
  static final int F_EXP_CHALLENGE_ACK = 0x40;
  static final int F_SIMULTANEOUS_OPEN = 0x04;

  private static final int MAXACKWINCONST = 66000;

  private static final String[] NAMES = {"NONE", "SYN_SENT", "SYN_RECV", "ESTABLISHED", "FIN_WAIT",
      "CLOSE_WAIT", "LAST_ACK", "TIME_WAIT", "CLOSE", "SYN_SENT2"};

  private static final int S_NO = NONE;
  private static final int S_SS = SYN_SENT;
  private static final int S_SR = SYN_RECV;
  private static final int S_ES = ESTABLISHED;
  private static final int S_FW = FIN_WAIT;
  private static final int S_CW = CLOSE_WAIT;
  private static final int S_LA = LAST_ACK;
  private static final int S_TW = TIME_WAIT;
  private static final int S_CL = CLOSE;
  private static final int S_S2 = SYN_SENT2;

  /** [direction][flag index][current state] -> new state; REFERENCE-conntrack.md's table. */
  private static final int[][][] TABLE = {
    {
      /* syn    */ {S_SS, S_SS, IG, IG, IG, IG, IG, S_SS, S_SS, S_S2},
      /* synack */ {IV, IV, S_SR, IV, IV, IV, IV, IV, IV, S_SR},
      /* fin    */ {IV, IV, S_FW, S_FW, S_LA, S_LA, S_LA, S_TW, S_CL, IV},
      /* ack    */ {S_ES, IV, S_ES, S_ES, S_CW, S_CW, S_TW, S_TW, S_CL, IV},
      /* rst    */ {IV, S_CL, S_CL, S_CL, S_CL, S_CL, S_CL, S_CL, S_CL, S_CL},
      /* none   */ {IV, IV, IV, IV, IV, IV, IV, IV, IV, IV},
    },
    {
      /* syn    */ {IV, S_S2, IV, IV, IV, IV, IV, S_SS, IV, S_S2},
      /* synack */ {IV, S_SR, IG, IG, IG, IG, IG, IG, IG, S_SR},
      /* fin    */ {IV, IV, S_FW, S_FW, S_LA, S_LA, S_LA, S_TW, S_CL, IV},
      /* ack    */ {IV, IG, S_SR, S_ES, S_CW, S_CW, S_TW, S_TW, S_CL, IG},
      /* rst    */ {IV, S_CL, S_CL, S_CL, S_CL, S_CL, S_CL, S_CL, S_CL, S_CL},
      /* none   */ {IV, IV, IV, IV, IV, IV, IV, IV, IV, IV},
    },
  };

  private final CtConfig config;
  private final long[] timeoutMillis = new long[STATES];
  private final long retransMillis;
  private final long unackMillis;

  TcpTracker(CtConfig config) {
    this.config = config;
    for (int s = 0; s < STATES; s++) {
      timeoutMillis[s] = config.timeouts().tcpSeconds(s) * 1000L;
    }
    retransMillis = config.timeouts().tcpRetrans() * 1000L;
    unackMillis = config.timeouts().tcpUnack() * 1000L;
  }

  static String stateName(int state) {
    return state >= 0 && state < STATES ? NAMES[state] : "UNKNOWN";
  }

  /** The table cell, for tests: IV = 10, IG = 11. */
  static int transition(int dir, int index, int state) {
    return TABLE[dir][index][state];
  }

  /** tcp_error's flag check: PSH, ECE and CWR ignored, the rest must be a known combination. */
  static boolean validFlags(int flags) {
    int f = flags & ~(Packet.TCP_ECE | Packet.TCP_CWR | Packet.TCP_PSH) & 0xFF;
    switch (f) {
      case Packet.TCP_SYN:
      case Packet.TCP_SYN | Packet.TCP_URG:
      case Packet.TCP_SYN | Packet.TCP_ACK:
      case Packet.TCP_RST:
      case Packet.TCP_RST | Packet.TCP_ACK:
      case Packet.TCP_FIN | Packet.TCP_ACK:
      case Packet.TCP_FIN | Packet.TCP_ACK | Packet.TCP_URG:
      case Packet.TCP_ACK:
      case Packet.TCP_ACK | Packet.TCP_URG:
        return true;
      default:
        return false;
    }
  }

  static int index(int flags) {
    if ((flags & Packet.TCP_RST) != 0) {
      return RST_SET;
    }
    if ((flags & Packet.TCP_SYN) != 0) {
      return (flags & Packet.TCP_ACK) != 0 ? SYNACK_SET : SYN_SET;
    }
    if ((flags & Packet.TCP_FIN) != 0) {
      return FIN_SET;
    }
    return (flags & Packet.TCP_ACK) != 0 ? ACK_SET : NONE_SET;
  }

  @Override
  public String refusesNew(CtEntry e, Packet p) {
    return opens(e, p) ? null : "TCP packet cannot start a connection";
  }

  /** tcp_new: may this packet start a connection? Initialises the ORIGINAL window if so. */
  private boolean opens(CtEntry e, Packet p) {
    int newState = TABLE[0][index(p.tcpFlags())][S_NO];
    if (newState >= IV) {
      return false;
    }
    Half s = new Half();
    int end = segEnd(p);
    if (newState == S_SS) {
      s.end = end;
      s.maxwin = p.window() == 0 ? 1 : p.window();
      s.maxend = end;
      options(p, s);
      e.flags1 = 0;
    } else if (!config.tcpLoose()) {
      return false;
    } else {
      s.end = end;
      s.maxwin = p.window() == 0 ? 1 : p.window();
      s.maxend = end + s.maxwin;
      s.flags = F_SACK_PERM | F_BE_LIBERAL;
      e.flags1 = (byte) (F_SACK_PERM | F_BE_LIBERAL);
    }
    store(e, 0, s);
    e.tcpState = S_NO;
    e.lastIndex = NONE_SET;
    return true;
  }

  /**
   * nf_conntrack_tcp_packet for a packet of {@code e} in direction {@code dir}: updates state,
   * window and timeout. {@code seenReply} is SEEN_REPLY before this packet.
   */
  @Override
  public int packet(CtEntry e, Packet p, int dir, long now) {
    int oldState = e.tcpState;
    int index = index(p.tcpFlags());
    if ((index == RST_SET || index == FIN_SET) && outsideOffloadedWindow(e, p, dir)) {
      return OUT_OF_OFFLOADED_WINDOW;
    }
    int newState = TABLE[dir][index][oldState];
    int seq = (int) p.seq();
    int ackSeq = (int) p.ack();
    boolean skipWindow = false;

    switch (newState) {
      case S_SS:
        if (oldState >= S_TW) {
          int both = (dir == 0 ? e.flags0 | e.flags1 : e.flags1 | e.flags0);
          if ((both & F_CLOSE_INIT) != 0 || (e.lastDir == dir && e.lastIndex == RST_SET)) {
            return REPEAT;
          }
        } else {
          break;
        }
        // fall through: SYN in TIME_WAIT/CLOSE of a connection nobody closed is ignored
      case IG:
        if (index == SYNACK_SET && e.lastIndex == SYN_SET && e.lastDir != dir
            && ackSeq == e.lastEnd) {
          // This SYN/ACK acknowledges a SYN we ignored: client and server are in sync, we resync.
          oldState = S_SS;
          newState = S_SR;
          int ld = e.lastDir;
          Half last = load(e, ld);
          last.end = e.lastEnd;
          last.maxend = e.lastEnd;
          last.maxwin = e.lastWin == 0 ? 1 : e.lastWin;
          last.scale = e.lastWscale;
          last.flags = e.lastFlags & ~F_EXP_CHALLENGE_ACK;
          store(e, ld, last);
          store(e, dir, new Half());
          break;
        }
        e.lastIndex = (byte) index;
        e.lastDir = (byte) dir;
        e.lastSeq = seq;
        e.lastEnd = segEnd(p);
        e.lastWin = p.window();
        if (oldState == S_SS && index == ACK_SET && dir == 1) {
          // Possibly a challenge ACK answering the SYN: the RST the client sends back carries
          // this acknowledgement number as its sequence number (see the CLOSE case).
          e.lastAck = ackSeq;
        }
        if (index == SYN_SET && dir == 0) {
          Half seen = new Half();
          options(p, seen);
          int lf = 0;
          e.lastWscale = 0;
          if ((seen.flags & F_WINDOW_SCALE) != 0) {
            lf |= F_WINDOW_SCALE;
            e.lastWscale = (byte) seen.scale;
          }
          if ((seen.flags & F_SACK_PERM) != 0) {
            lf |= F_SACK_PERM;
          }
          if (oldState == S_LA) {
            lf |= F_EXP_CHALLENGE_ACK;
          }
          e.lastFlags = (byte) lf;
        }
        return IGNORE;
      case IV:
        return INVALID;
      case S_TW:
        if (oldState == S_LA && index == ACK_SET && e.lastDir != dir && e.lastIndex == SYN_SET
            && (e.lastFlags & F_EXP_CHALLENGE_ACK) != 0) {
          e.lastFlags &= ~F_EXP_CHALLENGE_ACK;
          return IGNORE;
        }
        break;
      case S_S2:
        e.lastFlags |= F_SIMULTANEOUS_OPEN;
        break;
      case S_SR:
        if (dir == 1 && index == ACK_SET && (e.lastFlags & F_SIMULTANEOUS_OPEN) != 0) {
          newState = S_ES;
        }
        break;
      case S_CL:
        if (index != RST_SET) {
          break;
        }
        if (canEarlyDrop(oldState)) {
          skipWindow = true;
          break;
        }
        Half receiverSeen = load(e, 1 - dir);
        if ((receiverSeen.flags & F_MAXACK_SET) != 0 && e.lastIndex != SYN_SET) {
          boolean established = oldState == S_ES && e.hasStatus(CtEntry.ASSURED);
          if (seq == 0 && !established) {
            break;
          }
          if (before(seq, receiverSeen.maxack)) {
            return INVALID;
          }
          if (!established || seq == receiverSeen.maxack) {
            break;
          }
          if (e.lastIndex == ACK_SET && e.lastDir == dir && seq == e.lastEnd) {
            break;
          }
          // An RST whose sequence number is not exact: keep the state for a challenge ACK.
          newState = oldState;
        }
        if (((e.hasStatus(CtEntry.SEEN_REPLY) && e.lastIndex == SYN_SET)
            || (!e.hasStatus(CtEntry.ASSURED) && e.lastIndex == ACK_SET))
            && ackSeq == e.lastEnd) {
          skipWindow = true;
          break;
        }
        if (oldState == S_SS && e.lastIndex == ACK_SET && e.lastDir == 1 && seq == e.lastAck) {
          skipWindow = true;
        }
        break;
      default:
        break;
    }

    if (!skipWindow) {
      int res = inWindow(e, dir, index, p, oldState);
      if (res == IGNORE) {
        return IGNORE;
      }
      if (res == INVALID) {
        handleInvalid(e, dir, index, now);
        return INVALID;
      }
    }

    if (!skipWindow) {
      setUnseen(e, dir, 0); // the sender's end is this packet's now
    }
    e.lastIndex = (byte) index;
    e.lastDir = (byte) dir;
    e.tcpState = (byte) newState;
    if (oldState != newState && newState == S_FW) {
      if (dir == 0) {
        e.flags0 |= F_CLOSE_INIT;
      } else {
        e.flags1 |= F_CLOSE_INIT;
      }
    }

    long timeout;
    if ((e.retrans & 0xFF) >= config.tcpMaxRetrans() && timeoutMillis[newState] > retransMillis) {
      timeout = retransMillis;
    } else if (index == RST_SET) {
      timeout = timeoutMillis[S_CL];
    } else if (((e.flags0 | e.flags1) & F_DATA_UNACKNOWLEDGED) != 0
        && timeoutMillis[newState] > unackMillis) {
      timeout = unackMillis;
    } else if (e.lastWin == 0 && timeoutMillis[newState] > retransMillis) {
      timeout = retransMillis;
    } else {
      timeout = timeoutMillis[newState];
    }

    if (!e.hasStatus(CtEntry.SEEN_REPLY)) {
      if ((p.tcpFlags() & Packet.TCP_RST) != 0) {
        return KILL;
      }
      if (index == SYN_SET && oldState == S_SS) {
        // A retransmitted SYN does not renew the timeout (port reuse could keep it alive forever).
        return ACCEPT;
      }
      if (newState == S_ES && timeout > unackMillis) {
        timeout = unackMillis;
      }
    } else if (!e.hasStatus(CtEntry.ASSURED) && (oldState == S_SR || oldState == S_ES)
        && newState == S_ES) {
      e.status |= CtEntry.ASSURED;
    }
    e.expires = now + timeout;
    return ACCEPT;
  }

  /**
   * A connection whose packets the switches now carry: the controller will miss most of its
   * segments, so its windows can no longer be tracked. Like Linux's flowtable offload
   * (nft_flow_offload), both directions become be-liberal: out-of-window segments (the FIN after
   * offloaded data) are not INVALID. And, as Linux's flow_offload_fixup_tcp does before conntrack
   * sees an offloaded connection's RST ("Conntrack state is outdated due to offload bypass"), no
   * maximum ACK is kept: the RST check against it ({@code S_CL} below) would find a sender's genuine
   * RST past the last ACK the controller saw, not exact, and keep the connection ESTABLISHED.
   * Every packet the controller sees and offloads again comes back here, so an ACK it saw in
   * between is forgotten too. Once the statistics report traffic, {@link #forgetWindows} forgets the
   * windows and {@link #outsideOffloadedWindow} bounds the RST instead.
   */
  static void markOffloaded(CtEntry e) {
    e.flags0 |= F_BE_LIBERAL;
    e.flags1 |= F_BE_LIBERAL;
    e.flags0 &= ~F_MAXACK_SET;
    e.flags1 &= ~F_MAXACK_SET;
  }

  /** The timeout a refresh gives now (for offloaded traffic reported by flow statistics). */
  @Override
  public long timeout(CtEntry e) {
    int state = e.tcpState;
    long t = timeoutMillis[state];
    if (!e.hasStatus(CtEntry.SEEN_REPLY) && state == S_ES && t > unackMillis) {
      t = unackMillis;
    }
    return t;
  }

  /**
   * Traffic went by that we did not see (offloaded to a switch): our sequence windows are stale.
   * Forget them, so that the next packet in each direction re-learns its window from the packet,
   * as Linux does when it picks up a connection mid-stream, instead of looking out of window.
   */
  static void forgetWindows(CtEntry e) {
    e.offloadWin = Math.max(e.offloadWin, Math.max(e.maxwin0, e.maxwin1));
    e.maxwin0 = 0;
    e.maxwin1 = 0;
    e.flags0 &= ~(F_MAXACK_SET | F_DATA_UNACKNOWLEDGED);
    e.flags1 &= ~(F_MAXACK_SET | F_DATA_UNACKNOWLEDGED);
    e.retrans = 0;
  }

  /**
   * The switch carried {@code packets} segments of {@code bytes} (frames) from direction {@code dir}'s
   * sender: none carries less than {@link #MIN_TCP_FRAME} bytes of headers, so its sequence number
   * went at most {@code bytes - 54 * packets} past what it was.
   */
  static void unseenTraffic(CtEntry e, int dir, long packets, long bytes) {
    int u = dir == 0 ? e.unseen0 : e.unseen1;
    if (u == UNSEEN_UNKNOWN || packets <= 0) {
      return;
    }
    long payload = Math.max(0, bytes - MIN_TCP_FRAME * packets);
    setUnseen(e, dir, (int) Math.min(UNSEEN_CAP, u + payload));
  }

  /** Sequence numbers went by unseen: how far they may have gone, and windows to learn again. */
  @Override
  public void unseen(CtEntry e, int dir, long packets, long bytes, long now) {
    if (packets > 0) {
      unseenTraffic(e, dir, packets, bytes);
      forgetWindows(e);
    }
  }

  /** Established, be-liberal, its windows unknown: as Linux picks a connection up mid-stream. */
  @Override
  public void adopted(CtEntry e) {
    e.tcpState = ESTABLISHED;
    markOffloaded(e);
    forgetWindows(e);
    unseenUnknown(e);
  }

  /** Connections found in the switches: no packet of ours ever showed where either side was. */
  private static void unseenUnknown(CtEntry e) {
    e.unseen0 = UNSEEN_UNKNOWN;
    e.unseen1 = UNSEEN_UNKNOWN;
  }

  private static void setUnseen(CtEntry e, int dir, int v) {
    if (dir == 0) {
      e.unseen0 = v;
    } else {
      e.unseen1 = v;
    }
  }

  /**
   * Beyond Linux (whose flowtable offload is liberal here): an RST or FIN trapped from a connection
   * the switches carry, whose sender's window we forgot for traffic we did not see, must carry a
   * sequence number the sender can have reached, else it does not close the connection. The sender
   * was at its {@code end} when we last saw it and has sent at most {@code unseen} bytes since
   * (switch counters); an RST may also answer a segment with that segment's ACK, up to a window
   * back. So RFC 5961's "in the receive window" becomes [end - W, end + unseen + W], W the larger
   * window either side advertised (at least 64 KB). An off-path attacker who knows the 4-tuple must
   * hit that range out of 2^32. No check when the range says nothing (unknown end, over 1 GB unseen).
   */
  static boolean outsideOffloadedWindow(CtEntry e, Packet p, int dir) {
    int unseen = dir == 0 ? e.unseen0 : e.unseen1;
    int senderMaxwin = dir == 0 ? e.maxwin0 : e.maxwin1;
    if (senderMaxwin != 0 || unseen == UNSEEN_UNKNOWN || unseen >= UNSEEN_CAP || e.offloadWin == 0) {
      return false; // not forgotten (Linux's own checks run), or nothing known to check against
    }
    long w = Math.min(UNSEEN_CAP, Math.max(e.offloadWin, 65535));
    int end = dir == 0 ? e.end0 : e.end1;
    long from = Integer.toUnsignedLong((int) p.seq() - (end - (int) w));
    return from > unseen + 2 * w;
  }

  static boolean canEarlyDrop(int state) {
    return state == S_FW || state == S_LA || state == S_TW || state == S_CL || state == S_CW;
  }

  private void handleInvalid(CtEntry e, int dir, int index, long now) {
    if (!e.hasStatus(CtEntry.ASSURED)) {
      return;
    }
    if (index != RST_SET && index != FIN_SET) {
      return;
    }
    if (e.lastDir != dir && (e.lastIndex == FIN_SET || e.lastIndex == RST_SET)) {
      long remaining = e.expires - now;
      if (remaining < 120_000L) {
        return;
      }
      if (remaining > unackMillis) {
        e.expires = now + unackMillis;
      }
    } else {
      e.lastIndex = (byte) index;
      e.lastDir = (byte) dir;
    }
  }

  /** tcp_in_window: ACCEPT, IGNORE or INVALID; updates both directions' window data. */
  private int inWindow(CtEntry e, int dir, int index, Packet p, int state) {
    Half sender = load(e, dir);
    Half receiver = load(e, 1 - dir);
    int res = inWindow(e, sender, receiver, dir, index, p, state);
    store(e, dir, sender);
    store(e, 1 - dir, receiver);
    return res;
  }

  private int inWindow(CtEntry e, Half sender, Half receiver, int dir, int index, Packet p,
      int state) {
    int flags = p.tcpFlags();
    boolean syn = (flags & Packet.TCP_SYN) != 0;
    boolean ackFlag = (flags & Packet.TCP_ACK) != 0;
    boolean rst = (flags & Packet.TCP_RST) != 0;
    int seq = (int) p.seq();
    int ack = (int) p.ack();
    int sack = ack;
    int winRaw = p.window();
    int win = winRaw;
    int end = segEnd(p);

    if ((receiver.flags & F_SACK_PERM) != 0) {
      sack = sackEdge(p, ack);
    }

    if (sender.maxwin == 0) {
      if (syn) {
        initSender(sender, receiver, p, end, win, dir);
        if (!ackFlag) {
          return ACCEPT;
        }
      } else {
        // Mid-connection: its history is lost for us, use what the packet says.
        sender.end = end;
        int swin = win << sender.scale;
        sender.maxwin = swin == 0 ? 1 : swin;
        sender.maxend = end + sender.maxwin;
        if (receiver.maxwin == 0) {
          receiver.end = sack;
          receiver.maxend = sack;
        } else if (sack == receiver.end + 1) {
          receiver.end++;
        }
      }
    } else if (syn && after(end, sender.end) && (state == S_SS || state == S_SR)) {
      initSender(sender, receiver, p, end, win, dir);
      if (dir == 1 && !ackFlag) {
        return ACCEPT;
      }
    }

    if (!ackFlag) {
      ack = receiver.end;
      sack = receiver.end;
    } else if (rst && ack == 0) {
      ack = receiver.end;
      sack = receiver.end;
    }

    if (rst && seq == 0 && state == S_SS) {
      seq = sender.end;
      end = sender.end;
    }

    boolean liberal = (sender.flags & F_BE_LIBERAL) != 0 || config.tcpBeLiberal();
    int maxAckWin = Math.max(sender.maxwin, MAXACKWINCONST);
    boolean seqOk = before(seq, sender.maxend + 1);
    if (!seqOk) {
      int overshot = end - sender.maxend + 1;
      boolean ackOk = after(sack, receiver.end - maxAckWin - 1);
      boolean inRecvWin = receiver.maxwin != 0 && after(end, sender.end - receiver.maxwin - 1);
      if (inRecvWin && ackOk && Integer.compareUnsigned(overshot, receiver.maxwin) <= 0
          && before(sack, receiver.end + 1)) {
        sender.end = end;
        sender.flags |= F_DATA_UNACKNOWLEDGED;
        return liberal ? ACCEPT : IGNORE;
      }
      return liberal ? ACCEPT : INVALID;
    }
    if (!before(sack, receiver.end + 1)) {
      return liberal ? ACCEPT : INVALID;
    }
    boolean inRecvWin = receiver.maxwin == 0 || after(end, sender.end - receiver.maxwin - 1);
    if (!inRecvWin) {
      return liberal ? ACCEPT : IGNORE;
    }
    if (!after(sack, receiver.end - maxAckWin - 1)) {
      return liberal ? ACCEPT : IGNORE;
    }

    if (!syn) {
      win <<= sender.scale;
    }
    int swin = win + (sack - ack);
    if (Integer.compareUnsigned(sender.maxwin, swin) < 0) {
      sender.maxwin = swin;
    }
    if (after(end, sender.end)) {
      sender.end = end;
      sender.flags |= F_DATA_UNACKNOWLEDGED;
    }
    if (ackFlag) {
      if ((sender.flags & F_MAXACK_SET) == 0) {
        sender.maxack = ack;
        sender.flags |= F_MAXACK_SET;
      } else if (after(ack, sender.maxack)) {
        sender.maxack = ack;
      }
    }
    if (receiver.maxwin != 0 && after(end, sender.maxend)) {
      receiver.maxwin += end - sender.maxend;
    }
    if (after(sack + win, receiver.maxend - 1)) {
      receiver.maxend = sack + win;
      if (win == 0) {
        receiver.maxend++;
      }
    }
    if (ack == receiver.end) {
      receiver.flags &= ~F_DATA_UNACKNOWLEDGED;
    }
    if (index == ACK_SET) {
      if (e.lastDir == dir && e.lastSeq == seq && e.lastAck == ack && e.lastEnd == end
          && e.lastWin == winRaw) {
        if ((e.retrans & 0xFF) < 255) {
          e.retrans++;
        }
      } else {
        e.lastDir = (byte) dir;
        e.lastSeq = seq;
        e.lastAck = ack;
        e.lastEnd = end;
        e.lastWin = winRaw;
        e.retrans = 0;
      }
    }
    return ACCEPT;
  }

  private static void initSender(Half sender, Half receiver, Packet p, int end, int win, int dir) {
    sender.end = end;
    sender.maxend = end;
    sender.maxwin = win == 0 ? 1 : win;
    options(p, sender);
    if (dir == 1 && !((sender.flags & F_WINDOW_SCALE) != 0 && (receiver.flags & F_WINDOW_SCALE) != 0)) {
      sender.scale = 0;
      receiver.scale = 0;
    }
  }

  /** seq + payload + SYN + FIN (segment_seq_plus_len). */
  static int segEnd(Packet p) {
    int f = p.tcpFlags();
    return (int) p.seq() + p.payloadLength() + ((f & Packet.TCP_SYN) != 0 ? 1 : 0)
        + ((f & Packet.TCP_FIN) != 0 ? 1 : 0);
  }

  /** tcp_options: window scale and SACK-permitted, read from the frame (bounded loop). */
  private static void options(Packet p, Half s) {
    byte[] b = p.frame();
    if (b == null || p.l4Offset() < 0 || p.payloadOffset() < 0) {
      return;
    }
    int i = p.l4Offset() + 20;
    int end = Math.min(p.payloadOffset(), b.length);
    if (i >= end) {
      return; // no options: Linux keeps what it knew (tcp_options returns before resetting)
    }
    // A SYN that carries options says everything about them: forget what an earlier SYN said.
    s.scale = 0;
    s.flags &= F_BE_LIBERAL;
    while (i < end) {
      int kind = b[i] & 0xFF;
      if (kind == 0) {
        return;
      }
      if (kind == 1) {
        i++;
        continue;
      }
      if (i + 1 >= end) {
        return;
      }
      int len = b[i + 1] & 0xFF;
      if (len < 2 || i + len > end) {
        return;
      }
      if (kind == 4 && len == 2) {
        s.flags |= F_SACK_PERM;
      } else if (kind == 3 && len == 3) {
        s.flags |= F_WINDOW_SCALE;
        s.scale = Math.min(b[i + 2] & 0xFF, 14);
      }
      i += len;
    }
  }

  /** tcp_sack: the highest right edge among SACK blocks, if above the ACK. */
  private static int sackEdge(Packet p, int ack) {
    byte[] b = p.frame();
    if (b == null || p.l4Offset() < 0 || p.payloadOffset() < 0) {
      return ack;
    }
    int sack = ack;
    int i = p.l4Offset() + 20;
    int end = Math.min(p.payloadOffset(), b.length);
    while (i < end) {
      int kind = b[i] & 0xFF;
      if (kind == 0) {
        break;
      }
      if (kind == 1) {
        i++;
        continue;
      }
      if (i + 1 >= end) {
        break;
      }
      int len = b[i + 1] & 0xFF;
      if (len < 2 || i + len > end) {
        break;
      }
      if (kind == 5 && len >= 10 && (len - 2) % 8 == 0) {
        for (int j = i + 2; j + 8 <= i + len; j += 8) {
          int right = Bytes.i32(b, j + 4);
          if (after(right, sack)) {
            sack = right;
          }
        }
      }
      i += len;
    }
    return sack;
  }

  static boolean before(int a, int b) {
    return a - b < 0;
  }

  static boolean after(int a, int b) {
    return before(b, a);
  }

  private static Half load(CtEntry e, int dir) {
    Half h = new Half();
    if (dir == 0) {
      h.end = e.end0;
      h.maxend = e.maxend0;
      h.maxwin = e.maxwin0;
      h.maxack = e.maxack0;
      h.flags = e.flags0 & 0xFF;
      h.scale = e.scale0;
    } else {
      h.end = e.end1;
      h.maxend = e.maxend1;
      h.maxwin = e.maxwin1;
      h.maxack = e.maxack1;
      h.flags = e.flags1 & 0xFF;
      h.scale = e.scale1;
    }
    return h;
  }

  private static void store(CtEntry e, int dir, Half h) {
    if (dir == 0) {
      e.end0 = h.end;
      e.maxend0 = h.maxend;
      e.maxwin0 = h.maxwin;
      e.maxack0 = h.maxack;
      e.flags0 = (byte) h.flags;
      e.scale0 = (byte) h.scale;
    } else {
      e.end1 = h.end;
      e.maxend1 = h.maxend;
      e.maxwin1 = h.maxwin;
      e.maxack1 = h.maxack;
      e.flags1 = (byte) h.flags;
      e.scale1 = (byte) h.scale;
    }
  }

  /** One direction's window data while a packet is processed (Linux's ip_ct_tcp_state). */
  private static final class Half {
    int end;
    int maxend;
    int maxwin;
    int maxack;
    int flags;
    int scale;
  }
}
