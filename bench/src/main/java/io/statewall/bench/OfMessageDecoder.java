package io.statewall.bench;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.CorruptedFrameException;
import io.netty.handler.codec.LengthFieldBasedFrameDecoder;
import org.projectfloodlight.openflow.protocol.OFFactories;
import org.projectfloodlight.openflow.protocol.OFMessage;
import org.projectfloodlight.openflow.protocol.OFMessageReader;

/**
 * Splits the byte stream into OpenFlow messages by their header length and decodes each with
 * openflowj. A message it cannot decode is a {@link CorruptedFrameException} naming the bytes'
 * header, so the peer that sent it gets closed instead of the stream being misread.
 */
final class OfMessageDecoder extends LengthFieldBasedFrameDecoder {
  private static final int HEADER = 8;
  private static final int MAX_MESSAGE = 0xFFFF;

  private final OFMessageReader<OFMessage> reader = OFFactories.getGenericReader();
  private final boolean readHot;

  /**
   * @param readHot whether flow-mods and packet-outs come out as {@link HotMessageReader} records
   *     (the emulated switch) rather than openflowj messages
   */
  OfMessageDecoder(boolean readHot) {
    // length is bytes 2..3 and counts the whole message, header included
    super(MAX_MESSAGE, 2, 2, -4, 0);
    this.readHot = readHot;
  }

  @Override
  protected Object decode(ChannelHandlerContext ctx, ByteBuf in) throws Exception {
    ByteBuf frame = (ByteBuf) super.decode(ctx, in);
    if (frame == null) {
      return null;
    }
    try {
      if (frame.readableBytes() < HEADER) {
        throw new CorruptedFrameException("OpenFlow message shorter than its header: "
            + frame.readableBytes() + " bytes");
      }
      if (readHot) {
        Object hot = HotMessageReader.read(frame);
        if (hot != null) {
          return hot;
        }
      }
      OFMessage message;
      try {
        message = reader.readFrom(frame);
      } catch (Exception e) {
        throw new CorruptedFrameException("undecodable OpenFlow message " + header(frame) + ": "
            + e.getMessage(), e);
      }
      if (message == null) {
        throw new CorruptedFrameException("truncated OpenFlow message " + header(frame));
      }
      return message;
    } finally {
      frame.release();
    }
  }

  private static String header(ByteBuf frame) {
    int at = 0; // the frame is a slice: index 0 is the message's first byte
    return String.format("(version 0x%02x, type %d, length %d)", frame.getUnsignedByte(at),
        frame.getUnsignedByte(at + 1), frame.getUnsignedShort(at + 2));
  }
}
