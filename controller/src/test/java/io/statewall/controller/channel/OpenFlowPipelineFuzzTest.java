package io.statewall.controller.channel;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.statewall.controller.testing.EmbeddedSwitch;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.projectfloodlight.openflow.protocol.OFVersion;
import org.projectfloodlight.openflow.types.DatapathId;

/**
 * Arbitrary bytes from a switch through the controller's whole pipeline (decoder, echo, malformed-frame,
 * handshake and switch handlers): nothing escapes the pipeline, what the controller answers is valid
 * OpenFlow, and the connection closes exactly when framing is lost or the OpenFlow handshake refuses the
 * peer. Seeds: {@code OpenFlowPipelineFuzzTestInputs/<method>/} in the test resources; see docs/fuzzing.md.
 */
class OpenFlowPipelineFuzzTest {

  /** The stream as the first bytes of a new connection: hello, handshake and everything after. */
  @FuzzTest(maxDuration = FuzzBudget.SESSION)
  void fromConnect(byte[] data) throws Throwable {
    FuzzBudget.bounded(() -> run(new EmbeddedSwitch(), data));
  }

  /**
   * The stream after a completed handshake, in the version named by its first byte when statewall speaks
   * that one (else 1.3): reaches the ready switch's request tracking and the apps' dispatch.
   */
  @FuzzTest(maxDuration = FuzzBudget.SESSION)
  void afterHandshake(byte[] data) throws Throwable {
    FuzzBudget.bounded(() -> {
      EmbeddedSwitch sw = new EmbeddedSwitch();
      sw.handshake(versionOf(data), DatapathId.of(1), 2);
      assertThat(sw.directory.ready()).hasSize(1);
      run(sw, data);
    });
  }

  private static OFVersion versionOf(byte[] data) {
    if (data.length > 0) {
      for (OFVersion v : VersionNegotiation.SUPPORTED) {
        if (v.wireVersion == data[0]) {
          return v;
        }
      }
    }
    return OFVersion.OF_13;
  }

  private static void run(EmbeddedSwitch sw, byte[] data) {
    CloseProbe probe = new CloseProbe();
    sw.channel.pipeline().addFirst("closeProbe", probe);

    // Chunk sizes vary with the input so frames also arrive split across reads.
    int chunk = 1 + data.length % 61;
    for (int at = 0; at < data.length && sw.channel.isOpen(); at += chunk) {
      sw.sendBytes(Arrays.copyOfRange(data, at, Math.min(data.length, at + chunk)));
      sw.received(); // everything the controller answers must parse as OpenFlow
    }
    sw.channel.checkException();
    boolean closedByPeerBytes = !sw.channel.isOpen();
    boolean framingLost = framingLost(data);

    assertThat(probe.closers).as("closed by an exception handler: an exception escaped a handler")
        .noneMatch(c -> c.contains("exceptionCaught"));
    if (framingLost) {
      assertThat(closedByPeerBytes).as("a header length below 8 loses the framing: must close").isTrue();
    } else if (closedByPeerBytes) {
      assertThat(probe.closers).as("closed with the framing intact: only the handshake may refuse a peer")
          .isNotEmpty()
          .allMatch(c -> c.contains(HandshakeHandler.class.getName()));
    }

    sw.channel.close(); // a partial frame left at close is reported, never thrown
    sw.channel.checkException();
    sw.received();
  }

  /** Whether walking the stream by its header lengths meets a header whose length is below 8. */
  static boolean framingLost(byte[] b) {
    int pos = 0;
    while (b.length - pos >= OpenFlowFrameDecoder.HEADER_LENGTH) {
      int length = ((b[pos + 2] & 0xff) << 8) | (b[pos + 3] & 0xff);
      if (length < OpenFlowFrameDecoder.HEADER_LENGTH) {
        return true;
      }
      if (b.length - pos < length) {
        return false;
      }
      pos += length;
    }
    return false;
  }

  /** First outbound handler: every close from any handler passes it, with the stack that asked for it. */
  private static final class CloseProbe extends ChannelOutboundHandlerAdapter {
    final List<String> closers = new ArrayList<>();

    @Override
    public void close(ChannelHandlerContext ctx, ChannelPromise promise) throws Exception {
      StringBuilder stack = new StringBuilder();
      for (StackTraceElement e : new Throwable().getStackTrace()) {
        stack.append(e.getClassName()).append('.').append(e.getMethodName()).append('\n');
      }
      closers.add(stack.toString());
      super.close(ctx, promise);
    }
  }
}
