package io.statewall.controller.channel;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.MessageToByteEncoder;
import org.projectfloodlight.openflow.protocol.OFMessage;

/** Serialises outgoing OpenFlow messages; openflowj computes every length. */
public final class OpenFlowMessageEncoder extends MessageToByteEncoder<OFMessage> {
  public OpenFlowMessageEncoder() {
    super(OFMessage.class);
  }

  @Override
  protected void encode(ChannelHandlerContext ctx, OFMessage message, ByteBuf out) {
    message.writeTo(out);
  }
}
