package io.statewall.controller.channel;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import java.util.HashMap;
import java.util.Map;
import org.projectfloodlight.openflow.protocol.OFFactories;
import org.projectfloodlight.openflow.protocol.OFFactory;
import org.projectfloodlight.openflow.protocol.OFPacketIn;
import org.projectfloodlight.openflow.protocol.OFPacketInReason;
import org.projectfloodlight.openflow.protocol.OFVersion;
import org.projectfloodlight.openflow.protocol.match.Match;
import org.projectfloodlight.openflow.protocol.match.MatchField;
import org.projectfloodlight.openflow.protocol.ver13.OFPacketInReasonSerializerVer13;
import org.projectfloodlight.openflow.protocol.ver14.OFPacketInReasonSerializerVer14;
import org.projectfloodlight.openflow.protocol.ver15.OFPacketInReasonSerializerVer15;
import org.projectfloodlight.openflow.types.OFBufferId;
import org.projectfloodlight.openflow.types.OFPort;
import org.projectfloodlight.openflow.types.TableId;
import org.projectfloodlight.openflow.types.U64;

/**
 * Reads the packet-in that switches send for nearly every packet (OpenFlow 1.3 to 1.5, a match of
 * in_port alone) without openflowj's OXM list parsing, which was the controller's largest
 * allocation site per packet-in; the match comes from a per-connection cache by port. Any other
 * shape returns null, and openflowj's reader takes it: the result is always equal to what that
 * reader would give ({@code PacketInReaderTest}).
 */
final class PacketInReader {
  static final int TYPE_PACKET_IN = 10;
  /** Header, buffer_id, total_len, reason, table_id, cookie: where the match starts. */
  private static final int MATCH_OFFSET = 24;
  /** ofp_match of type OXM, length 4 + one 8-byte OXM (in_port), padded to 16; then 2 bytes of pad. */
  private static final int DATA_OFFSET = MATCH_OFFSET + 16 + 2;
  private static final int OXM_IN_PORT = 0x8000_0004;
  private static final int MATCH_TYPE_OXM = 1;
  private static final int MAX_CACHED_PORTS = 4096;

  private final Map<Integer, Match> matches = new HashMap<>();
  private OFFactory factory;

  /** The packet-in in {@code frame} (a whole message of {@code version}), or null to read it the long way. */
  OFPacketIn read(ByteBuf frame, int version) {
    if (version < OFVersion.OF_13.wireVersion || version > OFVersion.OF_15.wireVersion) {
      return null;
    }
    int at = frame.readerIndex();
    int length = frame.readableBytes();
    if (length < DATA_OFFSET
        || frame.getUnsignedShort(at + MATCH_OFFSET) != MATCH_TYPE_OXM
        || frame.getUnsignedShort(at + MATCH_OFFSET + 2) != 12
        || frame.getInt(at + MATCH_OFFSET + 4) != OXM_IN_PORT) {
      return null;
    }
    try {
      return build(frame, at, length, version);
    } catch (RuntimeException e) {
      return null; // an unknown reason or port: openflowj's reader reports it as it always has
    }
  }

  private OFPacketIn build(ByteBuf frame, int at, int length, int version) {
    OFPacketInReason reason = reason(version, frame.getByte(at + 14));
    OFFactory f = factory(version);
    return f.buildPacketIn()
        .setXid(frame.getUnsignedInt(at + 4))
        .setBufferId(OFBufferId.of(frame.getInt(at + 8)))
        .setTotalLen(frame.getUnsignedShort(at + 12))
        .setReason(reason)
        .setTableId(TableId.of(frame.getUnsignedByte(at + 15)))
        .setCookie(U64.ofRaw(frame.getLong(at + 16)))
        .setMatch(match(f, frame.getInt(at + MATCH_OFFSET + 8)))
        .setData(ByteBufUtil.getBytes(frame, at + DATA_OFFSET, length - DATA_OFFSET))
        .build();
  }

  private OFFactory factory(int version) {
    OFFactory f = factory;
    if (f == null || f.getVersion().wireVersion != version) {
      f = OFFactories.getFactory(switch (version) {
        case 4 -> OFVersion.OF_13;
        case 5 -> OFVersion.OF_14;
        default -> OFVersion.OF_15;
      });
      factory = f;
      matches.clear();
    }
    return f;
  }

  private Match match(OFFactory f, int port) {
    Match m = matches.get(port);
    if (m == null) {
      m = f.buildMatch().setExact(MatchField.IN_PORT, OFPort.ofInt(port)).build();
      if (matches.size() < MAX_CACHED_PORTS) {
        matches.put(port, m);
      }
    }
    return m;
  }

  private static OFPacketInReason reason(int version, byte wire) {
    return switch (version) {
      case 4 -> OFPacketInReasonSerializerVer13.ofWireValue(wire);
      case 5 -> OFPacketInReasonSerializerVer14.ofWireValue(wire);
      default -> OFPacketInReasonSerializerVer15.ofWireValue(wire);
    };
  }
}
