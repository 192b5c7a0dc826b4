package io.statewall.bench;

import io.netty.buffer.ByteBuf;
import java.util.List;
import org.projectfloodlight.openflow.protocol.OFFlowMod;
import org.projectfloodlight.openflow.protocol.OFFlowModCommand;
import org.projectfloodlight.openflow.protocol.OFInstructionType;
import org.projectfloodlight.openflow.protocol.OFPacketOut;
import org.projectfloodlight.openflow.protocol.OFVersion;
import org.projectfloodlight.openflow.protocol.action.OFAction;
import org.projectfloodlight.openflow.protocol.action.OFActionOutput;
import org.projectfloodlight.openflow.protocol.instruction.OFInstruction;
import org.projectfloodlight.openflow.protocol.instruction.OFInstructionApplyActions;
import org.projectfloodlight.openflow.protocol.instruction.OFInstructionWriteActions;
import org.projectfloodlight.openflow.protocol.match.Match;

/**
 * Reads the two messages that come back for every benchmark connection, flow-mod and packet-out,
 * straight from their bytes (OpenFlow 1.0 and 1.3), picking out only what the generator checks.
 *
 * <p>Why not openflowj: decoding a flow-mod's match through openflowj builds an OXM list, an
 * EnumMap and immutable lists, and profiling showed the generator spending twice the CPU of the
 * stub controller it measures; on two shared cores that cost is taken from the controller. Anything
 * this reader does not fully understand returns null and goes through openflowj instead, which
 * also reports malformed messages. {@code HotMessageReaderTest} checks it against openflowj.
 */
final class HotMessageReader {
  /** What a flow-mod says, as far as the generator cares. */
  record FlowModSeen(
      boolean addsOrModifies, int priority, boolean matchesAll, FiveTuple tuple, boolean forwards) {}

  /** What a packet-out says: its frame, the ports it goes out of, and the port it came in on. */
  record PacketOutSeen(byte[] data, int[] outputPorts, int inPort) {}

  static final int OF10 = 0x01;
  static final int OF13 = 0x04;
  private static final int PACKET_OUT = 13;
  private static final int FLOW_MOD = 14;
  /** OF 1.0 reserved ports (16 bits) are widened to the 1.3 values (32 bits) so callers see one set. */
  private static final int OF10_RESERVED = 0xFF00;

  // OF 1.0 ofp_match wildcards
  private static final int W_DL_TYPE = 1 << 4;
  private static final int W_NW_PROTO = 1 << 5;
  private static final int W_TP_SRC = 1 << 6;
  private static final int W_TP_DST = 1 << 7;
  private static final int W_NW_SRC_SHIFT = 8;
  private static final int W_NW_DST_SHIFT = 14;
  private static final int W_ALL = (1 << 22) - 1;

  // OF 1.3 OXM fields of class OPENFLOW_BASIC
  private static final int OXM_BASIC = 0x8000;
  private static final int F_ETH_TYPE = 5;
  private static final int F_IP_PROTO = 10;
  private static final int F_IPV4_SRC = 11;
  private static final int F_IPV4_DST = 12;
  private static final int F_TCP_SRC = 13;
  private static final int F_TCP_DST = 14;

  private HotMessageReader() {}

  /** A {@link FlowModSeen} or {@link PacketOutSeen}, or null for anything else or anything odd. */
  static Object read(ByteBuf m) {
    int start = m.readerIndex();
    int length = m.readableBytes();
    if (length < 8 || m.getUnsignedShort(start + 2) != length) {
      return null;
    }
    int version = m.getUnsignedByte(start);
    int type = m.getUnsignedByte(start + 1);
    try {
      if (type == FLOW_MOD) {
        return version == OF13 ? flowMod13(m, start, length)
            : version == OF10 ? flowMod10(m, start, length) : null;
      }
      if (type == PACKET_OUT) {
        return version == OF13 ? packetOut(m, start, length, 24, 16, true)
            : version == OF10 ? packetOut(m, start, length, 16, 14, false) : null;
      }
    } catch (IndexOutOfBoundsException e) {
      return null; // a length inside lies: let openflowj report it
    }
    return null;
  }

  /** The same facts from a message openflowj decoded (the reader's fallback, and its oracle). */
  static FlowModSeen of(OFFlowMod fm) {
    OFFlowModCommand cmd = fm.getCommand();
    Match match = fm.getMatch();
    return new FlowModSeen(
        cmd == OFFlowModCommand.ADD || cmd == OFFlowModCommand.MODIFY
            || cmd == OFFlowModCommand.MODIFY_STRICT,
        fm.getPriority(),
        !match.getMatchFields().iterator().hasNext(),
        FiveTuple.fromMatch(match),
        forwards(fm));
  }

  static PacketOutSeen of(OFPacketOut po) {
    int[] ports = po.getActions().stream().filter(a -> a instanceof OFActionOutput)
        .mapToInt(a -> ((OFActionOutput) a).getPort().getPortNumber()).toArray();
    return new PacketOutSeen(po.getData(), ports, po.getInPort().getPortNumber());
  }

  private static boolean forwards(OFFlowMod fm) {
    if (fm.getVersion() == OFVersion.OF_10) {
      return fm.getActions().stream().anyMatch(a -> a instanceof OFActionOutput);
    }
    for (OFInstruction i : fm.getInstructions()) {
      if (i.getType() == OFInstructionType.GOTO_TABLE) {
        return true;
      }
      List<OFAction> actions = i instanceof OFInstructionApplyActions a ? a.getActions()
          : i instanceof OFInstructionWriteActions w ? w.getActions() : List.of();
      if (actions.stream().anyMatch(a -> a instanceof OFActionOutput)) {
        return true;
      }
    }
    return false;
  }

  private static FlowModSeen flowMod13(ByteBuf m, int s, int length) {
    int command = m.getUnsignedByte(s + 25);
    int priority = m.getUnsignedShort(s + 30);
    int matchType = m.getUnsignedShort(s + 48);
    int matchLen = m.getUnsignedShort(s + 50);
    if (matchType != 1 || matchLen < 4 || 48 + matchLen > length) {
      return null;
    }
    int ethType = -1;
    int proto = -1;
    long src = -1;
    long dst = -1;
    int sport = -1;
    int dport = -1;
    boolean inexact = false;
    int at = s + 52;
    int end = s + 48 + matchLen;
    while (at + 4 <= end) {
      int oxmClass = m.getUnsignedShort(at);
      int fieldAndMask = m.getUnsignedByte(at + 2);
      int len = m.getUnsignedByte(at + 3);
      if (at + 4 + len > end) {
        return null;
      }
      if (oxmClass == OXM_BASIC) {
        int field = fieldAndMask >> 1;
        boolean masked = (fieldAndMask & 1) != 0;
        int v = at + 4;
        switch (field) {
          case F_ETH_TYPE -> ethType = masked ? -2 : m.getUnsignedShort(v);
          case F_IP_PROTO -> proto = masked ? -2 : m.getUnsignedByte(v);
          case F_IPV4_SRC -> src = m.getUnsignedInt(v);
          case F_IPV4_DST -> dst = m.getUnsignedInt(v);
          case F_TCP_SRC -> sport = m.getUnsignedShort(v);
          case F_TCP_DST -> dport = m.getUnsignedShort(v);
          default -> { }
        }
        if (masked && field >= F_IPV4_SRC && field <= F_TCP_DST) {
          inexact = true;
        }
      }
      at += 4 + len;
    }
    FiveTuple tuple = !inexact && ethType == 0x0800 && proto == 6 && src >= 0 && dst >= 0
        && sport >= 0 && dport >= 0 ? new FiveTuple((int) src, (int) dst, sport, dport) : null;
    int instructions = s + 48 + ((matchLen + 7) / 8) * 8;
    boolean forwards = false;
    int iend = s + length;
    while (instructions + 4 <= iend) {
      int itype = m.getUnsignedShort(instructions);
      int ilen = m.getUnsignedShort(instructions + 2);
      if (ilen < 4 || instructions + ilen > iend) {
        return null;
      }
      if (itype == 1) { // GOTO_TABLE
        forwards = true;
      } else if ((itype == 3 || itype == 4) && hasOutput(m, instructions + 8, instructions + ilen)) {
        forwards = true; // WRITE_ACTIONS, APPLY_ACTIONS
      }
      instructions += ilen;
    }
    return new FlowModSeen(command <= 2, priority, matchLen == 4, tuple, forwards);
  }

  private static FlowModSeen flowMod10(ByteBuf m, int s, int length) {
    if (length < 72) {
      return null;
    }
    int wildcards = m.getInt(s + 8);
    int command = m.getUnsignedShort(s + 56);
    int priority = m.getUnsignedShort(s + 62);
    boolean exact = (wildcards & (W_DL_TYPE | W_NW_PROTO | W_TP_SRC | W_TP_DST)) == 0
        && ((wildcards >> W_NW_SRC_SHIFT) & 0x3F) == 0
        && ((wildcards >> W_NW_DST_SHIFT) & 0x3F) == 0
        && m.getUnsignedShort(s + 8 + 22) == 0x0800
        && m.getUnsignedByte(s + 8 + 25) == 6;
    FiveTuple tuple = exact ? new FiveTuple(m.getInt(s + 8 + 28), m.getInt(s + 8 + 32),
        m.getUnsignedShort(s + 8 + 36), m.getUnsignedShort(s + 8 + 38)) : null;
    boolean matchesAll = (wildcards & W_ALL) == W_ALL;
    return new FlowModSeen(command <= 2, priority, matchesAll, tuple,
        hasOutput(m, s + 72, s + length));
  }

  private static PacketOutSeen packetOut(
      ByteBuf m, int s, int length, int actionsAt, int actionsLenAt, boolean v13) {
    if (length < actionsAt) {
      return null;
    }
    int inPort = v13 ? m.getInt(s + 12) : widen(m.getUnsignedShort(s + 12));
    int actionsLen = m.getUnsignedShort(s + actionsLenAt);
    int dataAt = actionsAt + actionsLen;
    if (dataAt > length) {
      return null;
    }
    int[] ports = new int[4];
    int n = 0;
    int at = s + actionsAt;
    int end = s + dataAt;
    while (at + 4 <= end) {
      int type = m.getUnsignedShort(at);
      int len = m.getUnsignedShort(at + 2);
      if (len < 4 || at + len > end) {
        return null;
      }
      if (type == 0 && len >= 8) {
        if (n == ports.length) {
          ports = java.util.Arrays.copyOf(ports, n * 2);
        }
        ports[n++] = v13 ? m.getInt(at + 4) : widen(m.getUnsignedShort(at + 4));
      }
      at += len;
    }
    byte[] data = new byte[length - dataAt];
    m.getBytes(s + dataAt, data);
    return new PacketOutSeen(data, java.util.Arrays.copyOf(ports, n), inPort);
  }

  private static boolean hasOutput(ByteBuf m, int at, int end) {
    while (at + 4 <= end) {
      int type = m.getUnsignedShort(at);
      int len = m.getUnsignedShort(at + 2);
      if (len < 4) {
        return false;
      }
      if (type == 0) {
        return true;
      }
      at += len;
    }
    return false;
  }

  private static int widen(int port16) {
    return port16 >= OF10_RESERVED ? port16 | 0xFFFF_0000 : port16;
  }
}
