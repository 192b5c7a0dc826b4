package io.statewall.controller.channel;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFuture;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.EncoderException;
import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.projectfloodlight.openflow.protocol.OFFactories;
import org.projectfloodlight.openflow.protocol.OFFactory;
import org.projectfloodlight.openflow.protocol.OFMessage;
import org.projectfloodlight.openflow.protocol.OFType;
import org.projectfloodlight.openflow.protocol.OFVersion;
import org.projectfloodlight.openflow.types.OFBufferId;
import org.projectfloodlight.openflow.types.OFPort;

/** The messages written between two flushes leave as one buffer, in order, each promise kept. */
class OpenFlowMessageEncoderTest {
  private static final OFFactory F = OFFactories.getFactory(OFVersion.OF_13);

  @Test
  void messagesBetweenTwoFlushesLeaveAsOneBufferOfTheirBytesInOrder() {
    EmbeddedChannel ch = new EmbeddedChannel(new OpenFlowMessageEncoder());
    List<OFMessage> sent = new ArrayList<>();
    for (int i = 0; i < 40; i++) {
      OFMessage m = i % 2 == 0 ? F.buildEchoRequest().setXid(i).build() : packetOut(i, 60);
      sent.add(m);
      ch.write(m);
    }
    assertThat((Object) ch.readOutbound()).as("nothing leaves before the flush").isNull();
    ch.flush();

    ByteBuf out = ch.readOutbound();
    assertThat((Object) ch.readOutbound()).as("one buffer for the batch").isNull();
    assertThat(out).isEqualTo(bytesOf(sent));
    out.release();
    assertThat(ch.finish()).isFalse();
  }

  @Test
  void aBatchAboveItsBoundGoesDownstreamBeforeTheFlushSoTheOutboundBufferCountsIt() {
    EmbeddedChannel ch = new EmbeddedChannel(new OpenFlowMessageEncoder());
    int written = 0;
    while (written < OpenFlowMessageEncoder.BATCH_BYTES) {
      OFMessage m = packetOut(written, 1_000);
      ch.write(m);
      written += m.getType() == OFType.PACKET_OUT ? 1_000 : 0;
    }
    assertThat(ch.unsafe().outboundBuffer().totalPendingWriteBytes()).as("the full batch, queued unflushed")
        .isGreaterThanOrEqualTo(OpenFlowMessageEncoder.BATCH_BYTES);
    ch.finishAndReleaseAll();
  }

  @Test
  void everyPromiseIsKeptAndAMessageThatCannotBeWrittenFailsOnlyItsOwn() {
    EmbeddedChannel ch = new EmbeddedChannel(new OpenFlowMessageEncoder());
    OFMessage a = F.buildEchoRequest().setXid(1).build();
    OFMessage c = F.buildBarrierRequest().setXid(3).build();
    ChannelFuture fa = ch.write(a);
    ChannelFuture fb = ch.write(unwritable());
    ChannelFuture fc = ch.write(c);
    ch.flush();

    assertThat(fa.isSuccess()).isTrue();
    assertThat(fc.isSuccess()).isTrue();
    assertThat(fb.isDone()).isTrue();
    assertThat(fb.cause()).isInstanceOf(EncoderException.class);
    ByteBuf out = ch.readOutbound();
    assertThat(out).as("the batch without the broken message").isEqualTo(bytesOf(List.of(a, c)));
    out.release();
    ch.finishAndReleaseAll();
  }

  @Test
  void rawBytesGoAfterTheMessagesWrittenBeforeThem() {
    EmbeddedChannel ch = new EmbeddedChannel(new OpenFlowMessageEncoder());
    OFMessage a = F.buildEchoRequest().setXid(1).build();
    ch.write(a);
    ch.write(Unpooled.wrappedBuffer(new byte[] {1, 2, 3}));
    ch.flush();

    ByteBuf first = ch.readOutbound();
    ByteBuf second = ch.readOutbound();
    assertThat(first).isEqualTo(bytesOf(List.of(a)));
    assertThat(second).isEqualTo(Unpooled.wrappedBuffer(new byte[] {1, 2, 3}));
    first.release();
    second.release();
    ch.finishAndReleaseAll();
  }

  @Test
  void aBatchLeftUnflushedAtCloseLeavesNoPromiseOpen() {
    EmbeddedChannel ch = new EmbeddedChannel(new OpenFlowMessageEncoder());
    ChannelFuture f = ch.write(F.buildEchoRequest().setXid(9).build());
    ch.close();

    assertThat(f.isDone()).as("failed with the channel, as an unflushed message was before").isTrue();
    assertThat(f.isSuccess()).isFalse();
  }

  private static OFMessage packetOut(int xid, int bytes) {
    return F.buildPacketOut().setXid(xid).setBufferId(OFBufferId.NO_BUFFER).setInPort(OFPort.CONTROLLER)
        .setActions(List.of(F.actions().output(OFPort.of(1), 0))).setData(new byte[bytes]).build();
  }

  private static ByteBuf bytesOf(List<OFMessage> messages) {
    ByteBuf b = Unpooled.buffer();
    messages.forEach(m -> m.writeTo(b));
    return b;
  }

  /** A message openflowj cannot put on the wire (none can be built through its builders). */
  private static OFMessage unwritable() {
    return (OFMessage) Proxy.newProxyInstance(OFMessage.class.getClassLoader(), new Class<?>[] {OFMessage.class},
        (proxy, method, args) -> switch (method.getName()) {
          case "writeTo" -> throw new IllegalStateException("unwritable");
          case "getType" -> OFType.ECHO_REQUEST;
          case "getVersion" -> OFVersion.OF_13;
          case "toString" -> "unwritable";
          case "hashCode" -> 0;
          case "equals" -> proxy == args[0];
          default -> null;
        });
  }
}
