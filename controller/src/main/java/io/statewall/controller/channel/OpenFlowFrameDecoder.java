package io.statewall.controller.channel;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.statewall.controller.channel.MalformedFrame.Problem;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.IntPredicate;
import org.projectfloodlight.openflow.exceptions.OFParseError;
import org.projectfloodlight.openflow.protocol.OFFactories;
import org.projectfloodlight.openflow.protocol.OFMessage;
import org.projectfloodlight.openflow.protocol.OFMessageReader;
import org.projectfloodlight.openflow.protocol.OFVersion;
import org.projectfloodlight.openflow.protocol.ver10.OFTypeSerializerVer10;
import org.projectfloodlight.openflow.protocol.ver11.OFTypeSerializerVer11;
import org.projectfloodlight.openflow.protocol.ver12.OFTypeSerializerVer12;
import org.projectfloodlight.openflow.protocol.ver13.OFTypeSerializerVer13;
import org.projectfloodlight.openflow.protocol.ver14.OFTypeSerializerVer14;
import org.projectfloodlight.openflow.protocol.ver15.OFTypeSerializerVer15;

/**
 * Splits the byte stream into OpenFlow frames by the header's length field and parses each with openflowj.
 * Emits {@link OFMessage}s, and {@link MalformedFrame}s for frames it cannot parse; only a header length
 * below 8 loses the framing, after which every further byte is discarded.
 */
public final class OpenFlowFrameDecoder extends ByteToMessageDecoder {
  static final int HEADER_LENGTH = 8;
  private static final int WIRE_HELLO = 0;

  /** Which type codes each version defines, asked of openflowj itself so the two never disagree. */
  private static final Map<Integer, IntPredicate> KNOWN_TYPES =
      Map.of(
          1, t -> known(() -> OFTypeSerializerVer10.ofWireValue((byte) t)),
          2, t -> known(() -> OFTypeSerializerVer11.ofWireValue((byte) t)),
          3, t -> known(() -> OFTypeSerializerVer12.ofWireValue((byte) t)),
          4, t -> known(() -> OFTypeSerializerVer13.ofWireValue((byte) t)),
          5, t -> known(() -> OFTypeSerializerVer14.ofWireValue((byte) t)),
          6, t -> known(() -> OFTypeSerializerVer15.ofWireValue((byte) t)));

  private final ConnectionInfo connection;
  private final OFMessageReader<OFMessage> reader = OFFactories.getGenericReader();
  private final PacketInReader packetIns = new PacketInReader();
  private long streamOffset;
  private boolean framingLost;

  public OpenFlowFrameDecoder(ConnectionInfo connection) {
    this.connection = connection;
  }

  @Override
  protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
    if (framingLost) {
      in.skipBytes(in.readableBytes());
      return;
    }
    if (in.readableBytes() < HEADER_LENGTH) {
      return;
    }
    int start = in.readerIndex();
    int version = in.getUnsignedByte(start);
    int type = in.getUnsignedByte(start + 1);
    int length = in.getUnsignedShort(start + 2);
    long xid = in.getUnsignedInt(start + 4);
    if (length < HEADER_LENGTH) {
      framingLost = true;
      out.add(malformed(Problem.FRAMING_LOST, in.slice(start, in.readableBytes()), version, type, length, xid,
          "header length " + length + " is below 8; message boundaries lost"));
      in.skipBytes(in.readableBytes());
      return;
    }
    if (in.readableBytes() < length) {
      return; // the rest of the frame has not arrived yet
    }
    ByteBuf frame = in.readSlice(length);
    out.add(parse(frame, version, type, length, xid));
    streamOffset += length;
  }

  @Override
  protected void decodeLast(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) throws Exception {
    decode(ctx, in, out);
    if (!framingLost && in.isReadable()) {
      int readable = in.readableBytes();
      int start = in.readerIndex();
      int version = in.getUnsignedByte(start);
      int type = readable > 1 ? in.getUnsignedByte(start + 1) : -1;
      int length = readable > 3 ? in.getUnsignedShort(start + 2) : -1;
      long xid = readable >= HEADER_LENGTH ? in.getUnsignedInt(start + 4) : -1;
      out.add(malformed(Problem.TRUNCATED_AT_CLOSE, in, version, type, length, xid,
          "connection closed with " + readable + " bytes of an incomplete frame"));
      in.skipBytes(readable);
    }
  }

  private Object parse(ByteBuf frame, int version, int type, int length, long xid) {
    Optional<OFVersion> negotiated = connection.version();
    if (version > OFVersion.OF_15.wireVersion && type == WIRE_HELLO && negotiated.isEmpty()) {
      return helloFromNewerVersion(frame, version, type, length, xid);
    }
    IntPredicate types = KNOWN_TYPES.get(version);
    if (types == null) {
      return malformed(Problem.BAD_VERSION, frame, version, type, length, xid, "unknown OpenFlow version " + version);
    }
    if (negotiated.isPresent() && negotiated.get().wireVersion != version) {
      return malformed(Problem.BAD_VERSION, frame, version, type, length, xid,
          "version " + version + " after negotiating " + negotiated.get());
    }
    if (!types.test(type)) {
      return malformed(Problem.BAD_TYPE, frame, version, type, length, xid,
          "message type " + type + " is not defined in version " + version);
    }
    if (type == PacketInReader.TYPE_PACKET_IN) {
      OFMessage fast = packetIns.read(frame, version);
      if (fast != null) {
        return fast;
      }
    }
    try {
      OFMessage message = reader.readFrom(frame.duplicate());
      if (message == null) {
        return malformed(Problem.UNPARSABLE, frame, version, type, length, xid, "openflowj read nothing");
      }
      return message;
    } catch (OFParseError | RuntimeException e) {
      return malformed(Problem.UNPARSABLE, frame, version, type, length, xid, String.valueOf(e.getMessage()));
    }
  }

  /**
   * A hello from a version newer than openflowj knows keeps the hello layout (spec: hello never changes);
   * read it as 1.5 so its version bitmap can still be negotiated.
   */
  private Object helloFromNewerVersion(ByteBuf frame, int version, int type, int length, long xid) {
    ByteBuf copy = frame.copy();
    try {
      copy.setByte(0, OFVersion.OF_15.wireVersion);
      return reader.readFrom(copy);
    } catch (OFParseError | RuntimeException e) {
      return malformed(Problem.UNPARSABLE, frame, version, type, length, xid, "hello: " + e.getMessage());
    } finally {
      copy.release();
    }
  }

  private MalformedFrame malformed(
      Problem problem, ByteBuf bytes, int version, int type, int length, long xid, String detail) {
    int quoted = Math.min(bytes.readableBytes(), MalformedFrame.QUOTED_BYTES);
    byte[] head = ByteBufUtil.getBytes(bytes, bytes.readerIndex(), quoted);
    return new MalformedFrame(problem, streamOffset, version, type, length, xid, head, detail);
  }

  private static boolean known(Runnable lookup) {
    try {
      lookup.run();
      return true;
    } catch (IllegalArgumentException e) {
      return false;
    }
  }
}
