package io.statewall.netfilter.rules;

import io.statewall.netfilter.packet.Bytes;
import io.statewall.netfilter.packet.Packet;
import java.util.List;

/**
 * {@code -m sctp}: xt_sctp's port ranges and chunk-type test, read from the SCTP common header and
 * the chunks after it. {@code chunkMap} holds the 256 chunk-type bits; each flag test is a triple
 * (chunk type, flags, mask) as libxt_sctp stores it: keyed by the chunk's index in its name table,
 * which is its type for every chunk with flags except I_DATA (the kernel then tests type 15, and
 * iptables-save prints I_DATA without its flags; both mirrored).
 *
 * @param sport null when not tested
 * @param matchType 0 when chunks are not tested
 */
public record SctpMatch(PortRange sport, boolean sportInv, PortRange dport, boolean dportInv, int matchType,
    long[] chunkMap, int[] flagType, int[] flags, int[] flagMask, boolean chunksInv) implements Match {
  static final int ANY = 1;
  static final int ALL = 2;
  static final int ONLY = 4;

  /** libxt_sctp's chunk names in its table order, with their types and the flag letters each may test. */
  record Chunk(String name, int type, String validFlags) {}

  static final List<Chunk> CHUNKS = List.of(new Chunk("DATA", 0, "----IUBE"), new Chunk("INIT", 1, ""),
      new Chunk("INIT_ACK", 2, ""), new Chunk("SACK", 3, ""), new Chunk("HEARTBEAT", 4, ""),
      new Chunk("HEARTBEAT_ACK", 5, ""), new Chunk("ABORT", 6, "-------T"), new Chunk("SHUTDOWN", 7, ""),
      new Chunk("SHUTDOWN_ACK", 8, ""), new Chunk("ERROR", 9, ""), new Chunk("COOKIE_ECHO", 10, ""),
      new Chunk("COOKIE_ACK", 11, ""), new Chunk("ECN_ECNE", 12, ""), new Chunk("ECN_CWR", 13, ""),
      new Chunk("SHUTDOWN_COMPLETE", 14, "-------T"), new Chunk("I_DATA", 64, "----IUBE"),
      new Chunk("RE_CONFIG", 130, ""), new Chunk("PAD", 132, ""), new Chunk("ASCONF", 193, ""),
      new Chunk("ASCONF_ACK", 128, ""), new Chunk("FORWARD_TSN", 192, ""), new Chunk("I_FORWARD_TSN", 194, ""));

  /** What the chunk walk found: a match, no match, or a malformed chunk list (the kernel hot-drops). */
  private static final int NO = 0;
  private static final int YES = 1;
  private static final int BAD = 2;

  @Override
  public boolean test(Packet p, ConnInfo ct) {
    if (!testConstant(p, ct)) {
      return false;
    }
    if (matchType == 0) {
      return true;
    }
    int r = chunks(p.frame(), p.l4Offset() + 12, p.payloadOffset() + p.payloadLength());
    // a malformed chunk list: the kernel drops the packet at once; here the match fails (docs/rules.md)
    return r != BAD && (r == YES) != chunksInv;
  }

  @Override
  public boolean testConstant(Packet p, ConnInfo ct) {
    byte[] b = p.frame();
    int off = p.l4Offset();
    if (p.fragment() || b == null || off < 0 || p.payloadOffset() + p.payloadLength() - off < 12
        || p.payloadOffset() + p.payloadLength() > b.length) {
      return false;
    }
    int s = Bytes.u16(b, off);
    int d = Bytes.u16(b, off + 2);
    return (sport == null || sport.contains(s) != sportInv) && (dport == null || dport.contains(d) != dportInv);
  }

  private boolean isSet(long[] map, int type) {
    return (map[type >>> 6] & (1L << (type & 63))) != 0;
  }

  /** xt_sctp's match_packet: walks the chunks (each padded to 4 bytes) to the end of the datagram. */
  private int chunks(byte[] b, int off, int end) {
    long[] left = matchType == ALL ? chunkMap.clone() : null;
    do {
      if (end - off < 4) {
        return BAD;
      }
      int type = b[off] & 0xFF;
      int chunkFlags = b[off + 1] & 0xFF;
      int len = Bytes.u16(b, off + 2);
      if (len == 0) {
        return BAD;
      }
      off += (len + 3) & ~3;
      if (isSet(chunkMap, type)) {
        boolean flagsOk = flagsMatch(type, chunkFlags);
        if (matchType == ANY && flagsOk) {
          return YES;
        }
        if (matchType == ALL && flagsOk) {
          left[type >>> 6] &= ~(1L << (type & 63));
        }
        if (matchType == ONLY && !flagsOk) {
          return NO;
        }
      } else if (matchType == ONLY) {
        return NO;
      }
    } while (off < end);
    return switch (matchType) {
      case ALL -> (left[0] | left[1] | left[2] | left[3]) == 0 ? YES : NO;
      case ONLY -> YES;
      default -> NO;
    };
  }

  private boolean flagsMatch(int type, int chunkFlags) {
    for (int i = 0; i < flagType.length; i++) {
      if (flagType[i] == type) {
        return (chunkFlags & flagMask[i]) == flags[i];
      }
    }
    return true;
  }

  @Override
  public boolean perPacket() {
    return matchType != 0;
  }

  @Override
  public void save(StringBuilder sb) {
    sb.append(" -m sctp");
    if (sport != null) {
      sb.append(Match.inv(sportInv)).append(" --sport ").append(sport);
    }
    if (dport != null) {
      sb.append(Match.inv(dportInv)).append(" --dport ").append(dport);
    }
    if (matchType == 0) {
      return;
    }
    sb.append(Match.inv(chunksInv)).append(" --chunk-types ")
        .append(matchType == ANY ? "any" : matchType == ALL ? "all" : "only");
    if ((chunkMap[0] | chunkMap[1] | chunkMap[2] | chunkMap[3]) == 0) {
      sb.append(" NONE");
      return;
    }
    if ((chunkMap[0] & chunkMap[1] & chunkMap[2] & chunkMap[3]) == -1L) {
      sb.append(" ALL");
      return;
    }
    char sep = ' ';
    for (int type = 0; type < 256; type++) {
      if (!isSet(chunkMap, type)) {
        continue;
      }
      sb.append(sep);
      sep = ',';
      for (Chunk c : CHUNKS) {
        if (c.type() == type) {
          sb.append(c.name());
        }
      }
      for (int i = 0; i < flagType.length; i++) {
        if (flagType[i] == type && flagMask[i] != 0) {
          // libxt_sctp looks the letters up by the chunk type used as a table index
          String letters = CHUNKS.get(type).validFlags();
          sb.append(':');
          for (int bit = 7; bit >= 0; bit--) {
            if ((flagMask[i] & (1 << bit)) != 0) {
              char l = letters.charAt(7 - bit);
              sb.append((flags[i] & (1 << bit)) != 0 ? l : Character.toLowerCase(l));
            }
          }
        }
      }
    }
  }
}
