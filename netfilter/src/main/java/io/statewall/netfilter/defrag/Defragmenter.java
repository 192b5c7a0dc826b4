package io.statewall.netfilter.defrag;

import static io.statewall.netfilter.packet.Bytes.put16;
import static io.statewall.netfilter.packet.Bytes.u16;
import static io.statewall.netfilter.packet.Bytes.u32;

import io.statewall.netfilter.packet.Family;
import io.statewall.netfilter.packet.FrameBuilder;
import io.statewall.netfilter.packet.IpAddress;
import io.statewall.netfilter.packet.Packet;
import io.statewall.netfilter.packet.PacketParser;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Optional;

/**
 * Bounded IPv4 and IPv6 reassembly for the verdict, as Linux's nf_defrag_ipv4/ipv6 does before
 * conntrack: the rules and the tracker judge the whole datagram, and the caller delivers every
 * fragment of an accepted one (none of a dropped one).
 *
 * <p>Follows ip_fragment.c / nf_conntrack_reasm.c and inet_fragment.c: fragments are keyed by
 * addresses, identification (and protocol on IPv4) and VLAN; any overlap drops the whole datagram
 * (RFC 5722; IPv4 likewise since Linux 4.19), a fragment inside data already held is a duplicate
 * and dropped alone; a last fragment that contradicts the known end, data beyond the end, or an
 * empty fragment is refused; IPv4 non-last fragments are trimmed to a multiple of 8. An IPv6
 * non-last fragment that is not a multiple of 8, or a first fragment without the whole header
 * chain through the transport header (RFC 8200 §4.5), ends its datagram and comes back alone,
 * unreassembled (Linux's -EPROTO): conntrack calls it INVALID and the rules decide, as on Linux.
 * Limits: {@link DefragConfig}. No ICMP "reassembly time exceeded" is sent
 * (Linux's conntrack defrag sends none either). Thread-safe: one lock, fragments are rare.
 */
public final class Defragmenter {

  /** Bytes accounted per held fragment besides its frame, and per datagram (Linux: truesize). */
  private static final int FRAGMENT_OVERHEAD = 64;
  private static final int QUEUE_OVERHEAD = 128;
  private static final int IP_MAX = 65535;

  private final DefragConfig config;
  private final PacketParser parser;
  /** Incomplete datagrams in creation order: expiry walks from the oldest. */
  private final LinkedHashMap<FragKey, FragQueue> queues = new LinkedHashMap<>();
  private long heldBytes;
  private long fragments;
  private long reassembled;
  private long dropped;
  private long overlaps;
  private long timedOut;

  public Defragmenter(DefragConfig config, PacketParser parser) {
    this.config = config;
    this.parser = parser;
  }

  /** {@link #offer(Packet, long)} for a frame not parsed yet. */
  public Optional<Reassembled> offer(byte[] frame, long nowMillis) {
    return offer(parser.parse(frame), nowMillis);
  }

  /**
   * Takes one packet. A packet that is not a fragment comes straight back (itself, its frame). A
   * fragment is held until its datagram is whole, then the datagram comes back with all its
   * fragments; empty while it is held, and when it (or its datagram) was dropped.
   */
  public synchronized Optional<Reassembled> offer(Packet p, long nowMillis) {
    expire(nowMillis);
    if (!p.isFragmented() || p.malformed() != null || p.frame() == null) {
      return Optional.of(new Reassembled(p, p.frame() == null ? List.of() : List.of(p.frame())));
    }
    fragments++;
    Fragment f = Fragment.read(p);
    if (f == null) {
      // nf_ct_frag6_gather: no fragment header to be found, the packet goes on as it is
      return Optional.of(new Reassembled(p, List.of(p.frame())));
    }
    long cost = (long) p.frame().length + FRAGMENT_OVERHEAD;
    FragQueue q = queues.get(f.key);
    if (heldBytes + cost + (q == null ? QUEUE_OVERHEAD : 0) > config.maxBytes()) {
      return drop(); // Linux: above ipfrag_high_thresh no fragment is taken, old queues time out
    }
    Family family = f.key.family();
    int end = f.offset + f.length;
    if (family == Family.IPV6 && end > IP_MAX) {
      return drop();
    }
    if (q == null) {
      q = new FragQueue(nowMillis);
      queues.put(f.key, q);
      heldBytes += QUEUE_OVERHEAD;
      q.bytes = QUEUE_OVERHEAD;
    }
    if (!f.more) {
      if (end < q.len || (q.lastIn && end != q.len)) {
        return family == Family.IPV6 ? drop() : kill(f.key, q); // a second, different end: corrupt
      }
      q.lastIn = true;
      q.len = end;
    } else {
      if ((end & 7) != 0) {
        if (family == Family.IPV6) {
          return passOn(f.key, q, p);
        }
        end &= ~7;
      }
      if (end > q.len) {
        if (q.lastIn) {
          return family == Family.IPV6 ? drop() : kill(f.key, q); // data beyond the end
        }
        q.len = end;
      }
    }
    if (end == f.offset) {
      return family == Family.IPV6 ? drop() : kill(f.key, q);
    }
    if (family == Family.IPV6 && f.offset == 0 && f.upperHeaderTruncated) {
      return passOn(f.key, q, p);
    }
    if (q.pieces.size() >= config.maxFragments()) {
      return kill(f.key, q);
    }
    int res = q.insert(f.offset, end);
    if (res == FragQueue.DUP) {
      return drop();
    }
    if (res == FragQueue.OVERLAP) {
      overlaps++;
      return kill(f.key, q);
    }
    Piece piece = new Piece(f.offset, end, p.frame(), f);
    q.add(piece);
    q.bytes += cost;
    heldBytes += cost;
    if (!(q.firstIn && q.lastIn && q.meat == q.len)) {
      return Optional.empty();
    }
    queues.remove(f.key);
    heldBytes -= q.bytes;
    byte[] whole = join(q);
    if (whole == null) {
      dropped++;
      return Optional.empty(); // too large once whole: every fragment goes
    }
    reassembled++;
    List<byte[]> frames = new ArrayList<>(q.pieces.size());
    for (Piece x : q.pieces) {
      frames.add(x.frame);
    }
    return Optional.of(new Reassembled(parser.parse(whole), frames));
  }

  /** Drops the datagrams whose time is up; returns how many. Called by {@link #offer} too. */
  public synchronized int expire(long nowMillis) {
    int n = 0;
    for (Iterator<FragQueue> it = queues.values().iterator(); it.hasNext(); ) {
      FragQueue q = it.next();
      if (nowMillis - q.created < config.timeoutMillis()) {
        break;
      }
      it.remove();
      heldBytes -= q.bytes;
      timedOut++;
      n++;
    }
    return n;
  }

  public synchronized DefragStats stats() {
    return new DefragStats(fragments, reassembled, dropped, overlaps, timedOut, heldBytes,
        queues.size());
  }

  /**
   * nf_ct_frag6_queue's -EPROTO: the datagram goes, but this fragment goes on unreassembled, to be
   * judged as it is (conntrack: INVALID; the rules decide, as on Linux).
   */
  private Optional<Reassembled> passOn(FragKey key, FragQueue q, Packet p) {
    queues.remove(key);
    heldBytes -= q.bytes;
    dropped++;
    return Optional.of(new Reassembled(p, List.of(p.frame())));
  }

  private Optional<Reassembled> drop() {
    dropped++;
    return Optional.empty();
  }

  /** The whole datagram goes, this fragment with it (Linux's inet_frag_kill). */
  private Optional<Reassembled> kill(FragKey key, FragQueue q) {
    queues.remove(key);
    heldBytes -= q.bytes;
    dropped++;
    return Optional.empty();
  }

  /** The reassembled frame: the first fragment's Ethernet and IP headers, then all the data. */
  private static byte[] join(FragQueue q) {
    Piece head = q.pieces.get(0);
    Fragment h = head.fragment;
    byte[] hf = head.frame;
    int l3 = h.l3;
    int unfrag = h.unfragmentableEnd - l3; // IPv4: the header; IPv6: header + chain before 44
    int ipLen = unfrag + q.len;
    if ((h.key.family() == Family.IPV6 ? ipLen - 40 : ipLen) > IP_MAX) {
      return null;
    }
    byte[] b = new byte[l3 + ipLen];
    System.arraycopy(hf, 0, b, 0, l3 + unfrag);
    if (h.key.family() == Family.IPV4) {
      put16(b, l3 + 2, ipLen);
      put16(b, l3 + 6, 0);
      put16(b, l3 + 10, 0);
      put16(b, l3 + 10, FrameBuilder.checksum(b, l3, unfrag, 0));
    } else {
      put16(b, l3 + 4, ipLen - 40);
      b[h.nextHeaderAt] = (byte) h.fragNext; // the header before 44 now names what followed it
    }
    for (Piece x : q.pieces) {
      System.arraycopy(x.frame, x.fragment.dataStart, b, l3 + unfrag + x.offset, x.end - x.offset);
    }
    return b;
  }

  /** What identifies a datagram: Linux's frag key (plus the VLAN, a separate link). */
  record FragKey(Family family, IpAddress src, IpAddress dst, int protocol, long id, int vlan) {}

  /** One held fragment. */
  record Piece(int offset, int end, byte[] frame, Fragment fragment) {}

  /** The fragment fields of one packet, read from its frame. */
  static final class Fragment {
    FragKey key;
    int l3;
    int offset;
    int length;
    boolean more;
    int dataStart;
    int unfragmentableEnd;
    int nextHeaderAt = -1;
    int fragNext;
    boolean upperHeaderTruncated;

    /** Null when the fragment header cannot be found within the packet. */
    static Fragment read(Packet p) {
      byte[] b = p.frame();
      int l3 = p.l3Offset();
      if (l3 < 0 || l3 + p.ipLength() > b.length) {
        return null;
      }
      Fragment f = new Fragment();
      f.l3 = l3;
      int end = l3 + p.ipLength();
      if (p.ipVersion() == 4) {
        int ihl = (b[l3] & 0x0F) * 4;
        int ff = u16(b, l3 + 6);
        f.offset = (ff & 0x1FFF) * 8;
        f.more = (ff & 0x2000) != 0;
        f.dataStart = l3 + ihl;
        f.unfragmentableEnd = l3 + ihl;
        f.length = end - f.dataStart;
        f.key = new FragKey(Family.IPV4, p.src(), p.dst(), b[l3 + 9] & 0xFF,
            u16(b, l3 + 4), p.vlan());
        return f.length >= 0 ? f : null;
      }
      int next = b[l3 + 6] & 0xFF;
      int nextAt = l3 + 6;
      int pos = l3 + 40;
      for (int i = 0; next != 44; i++) {
        if (i >= 8 || (next != 0 && next != 43 && next != 60) || end - pos < 8) {
          return null;
        }
        nextAt = pos;
        next = b[pos] & 0xFF;
        pos += ((b[pos + 1] & 0xFF) + 1) * 8;
      }
      if (end - pos < 8) {
        return null;
      }
      int ff = u16(b, pos + 2);
      f.offset = ff & 0xFFF8;
      f.more = (ff & 1) != 0;
      f.fragNext = b[pos] & 0xFF;
      f.nextHeaderAt = nextAt;
      f.unfragmentableEnd = pos;
      f.dataStart = pos + 8;
      f.length = end - f.dataStart;
      f.key = new FragKey(Family.IPV6, p.src(), p.dst(), -1, u32(b, pos + 4), p.vlan());
      f.upperHeaderTruncated = f.offset == 0 && truncated(b, f.dataStart, end, f.fragNext);
      return f;
    }

    /** ipv6frag_thdr_truncated: the first fragment ends before its transport header does. */
    private static boolean truncated(byte[] b, int pos, int end, int next) {
      for (int i = 0; i < 8 && (next == 0 || next == 43 || next == 60 || next == 51 || next == 44); i++) {
        if (end - pos < 8) {
          return false; // Linux: the chain cannot be walked, so it is not judged truncated
        }
        int len = next == 51 ? ((b[pos + 1] & 0xFF) + 2) * 4
            : next == 44 ? 8 : ((b[pos + 1] & 0xFF) + 1) * 8;
        next = b[pos] & 0xFF;
        pos += len;
      }
      int need = next == Packet.PROTO_TCP ? 20
          : next == Packet.PROTO_UDP || next == Packet.PROTO_ICMPV6 ? 8 : 1;
      return pos + need > end;
    }
  }

  /** One incomplete datagram: its fragments in offset order and Linux's runs of adjacent ones. */
  static final class FragQueue {
    static final int OK = 0;
    static final int DUP = 1;
    static final int OVERLAP = 2;

    final long created;
    final List<Piece> pieces = new ArrayList<>(4);
    /** Runs as Linux builds them: [start, end) pairs; a fragment at the tail extends the last. */
    final List<int[]> runs = new ArrayList<>(4);
    int tailEnd = -1;
    int[] tailRun;
    int len;
    int meat;
    boolean firstIn;
    boolean lastIn;
    long bytes;

    FragQueue(long created) {
      this.created = created;
    }

    /** inet_frag_queue_insert: where [offset, end) may go, against the runs held. */
    int insert(int offset, int end) {
      if (tailEnd < 0) {
        return OK;
      }
      if (tailEnd < end) {
        return offset < tailEnd ? OVERLAP : OK;
      }
      for (int[] r : runs) {
        if (end <= r[0] || offset >= r[1]) {
          continue;
        }
        return offset >= r[0] && end <= r[1] ? DUP : OVERLAP;
      }
      return OK;
    }

    void add(Piece p) {
      if (tailRun != null && p.offset() == tailEnd) {
        tailRun[1] = p.end();
      } else {
        int[] r = {p.offset(), p.end()};
        runs.add(r);
        if (p.end() > tailEnd) {
          tailRun = r;
        }
      }
      if (p.end() > tailEnd) {
        tailEnd = p.end();
      }
      int i = pieces.size();
      while (i > 0 && pieces.get(i - 1).offset() > p.offset()) {
        i--;
      }
      pieces.add(i, p);
      meat += p.end() - p.offset();
      if (p.offset() == 0) {
        firstIn = true;
      }
    }
  }
}
