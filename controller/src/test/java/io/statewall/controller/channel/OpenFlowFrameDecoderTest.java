package io.statewall.controller.channel;

import static io.statewall.controller.testing.SwitchMessages.bytes;
import static io.statewall.controller.testing.SwitchMessages.factory;
import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.statewall.controller.channel.MalformedFrame.Problem;
import io.statewall.controller.testing.SwitchMessages;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.projectfloodlight.openflow.protocol.OFEchoRequest;
import org.projectfloodlight.openflow.protocol.OFHello;
import org.projectfloodlight.openflow.protocol.OFVersion;

class OpenFlowFrameDecoderTest {
  private final ConnectionInfo info = new ConnectionInfo(new InetSocketAddress("127.0.0.1", 1), 0);
  private final EmbeddedChannel ch = new EmbeddedChannel(new OpenFlowFrameDecoder(info));

  private static final byte[] ECHO13 = bytes(factory(OFVersion.OF_13).buildEchoRequest().setXid(7).build());

  private static byte[] concat(byte[]... parts) {
    int n = Arrays.stream(parts).mapToInt(p -> p.length).sum();
    byte[] all = new byte[n];
    int at = 0;
    for (byte[] p : parts) {
      System.arraycopy(p, 0, all, at, p.length);
      at += p.length;
    }
    return all;
  }

  private static byte[] header(int version, int type, int length, int xid, int bodyBytes) {
    byte[] b = new byte[8 + bodyBytes];
    b[0] = (byte) version;
    b[1] = (byte) type;
    b[2] = (byte) (length >> 8);
    b[3] = (byte) length;
    b[7] = (byte) xid;
    return b;
  }

  private List<Object> feed(byte[] bytes) {
    ch.writeInbound(Unpooled.wrappedBuffer(bytes));
    List<Object> out = new ArrayList<>();
    Object o;
    while ((o = ch.readInbound()) != null) {
      out.add(o);
    }
    return out;
  }

  /** One row per kind of bad frame; each is followed by a valid echo that must still decode. */
  static Stream<Arguments> recoverableFrames() {
    return Stream.of(
        Arguments.of("unknown version 9", header(9, 2, 8, 1, 0), Problem.BAD_VERSION),
        Arguments.of("version 0", header(0, 0, 8, 1, 0), Problem.BAD_VERSION),
        Arguments.of("unknown type 200 in 1.3", header(4, 200, 8, 1, 0), Problem.BAD_TYPE),
        Arguments.of("type 30 is not in 1.0", header(1, 30, 8, 1, 0), Problem.BAD_TYPE),
        Arguments.of("features reply without a body", header(4, 6, 8, 1, 0), Problem.UNPARSABLE),
        Arguments.of("packet-in with a short body", header(4, 10, 12, 1, 4), Problem.UNPARSABLE),
        Arguments.of("port status with a short body", header(1, 12, 16, 1, 8), Problem.UNPARSABLE));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("recoverableFrames")
  void badFrameIsReportedAndTheNextFrameStillDecodes(String name, byte[] bad, Problem problem) {
    List<Object> out = feed(concat(bad, ECHO13));

    assertThat(out).hasSize(2);
    assertThat(out.get(0)).isInstanceOfSatisfying(MalformedFrame.class, m -> {
      assertThat(m.problem()).isEqualTo(problem);
      assertThat(m.offset()).isZero();
      assertThat(m.length()).isEqualTo(bad.length);
      assertThat(m.xid()).isEqualTo(1);
      assertThat(m.head()).isEqualTo(bad);
    });
    assertThat(out.get(1)).isInstanceOf(OFEchoRequest.class);
    assertThat(ch.isOpen()).isTrue();
  }

  @Test
  void offsetCountsTheBytesOfEarlierFrames() {
    List<Object> out = feed(concat(ECHO13, ECHO13, header(9, 2, 8, 1, 0)));

    assertThat(out).hasSize(3);
    assertThat(((MalformedFrame) out.get(2)).offset()).isEqualTo(2L * ECHO13.length);
  }

  @Test
  void headerLengthBelowEightLosesFramingAndDiscardsTheRest() {
    List<Object> out = feed(concat(ECHO13, header(4, 2, 4, 1, 0), ECHO13));

    assertThat(out).hasSize(2);
    assertThat(out.get(1)).isInstanceOfSatisfying(MalformedFrame.class, m -> {
      assertThat(m.problem()).isEqualTo(Problem.FRAMING_LOST);
      assertThat(m.offset()).isEqualTo(ECHO13.length);
    });
    assertThat(feed(ECHO13)).as("everything after lost framing is discarded").isEmpty();
  }

  @Test
  void randomGarbageWithTinyLengthLosesFraming() {
    List<Object> out = feed(new byte[] {(byte) 0xde, (byte) 0xad, 0, 3, 1, 2, 3, 4, 5, 6});

    assertThat(out).singleElement()
        .isInstanceOfSatisfying(MalformedFrame.class, m -> assertThat(m.problem()).isEqualTo(Problem.FRAMING_LOST));
  }

  @Test
  void lengthLargerThanTheDataWaitsForTheRest() {
    byte[] hello = bytes(SwitchMessages.hello(OFVersion.OF_13, 4));
    assertThat(feed(Arrays.copyOf(hello, 5))).isEmpty();
    assertThat(feed(Arrays.copyOfRange(hello, 5, hello.length - 1))).isEmpty();

    assertThat(feed(Arrays.copyOfRange(hello, hello.length - 1, hello.length)))
        .singleElement().isInstanceOf(OFHello.class);
  }

  @Test
  void closingWithAPartialFrameReportsItTruncated() {
    byte[] garbage = "GET / HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
    assertThat(feed(garbage)).as("'G' 'E' 'T ' reads as a 21536-byte frame: wait for it").isEmpty();

    ch.finish();

    MalformedFrame m = ch.readInbound();
    assertThat(m.problem()).isEqualTo(Problem.TRUNCATED_AT_CLOSE);
    assertThat(m.offset()).isZero();
    assertThat(m.head()).isEqualTo(garbage);
  }

  @Test
  void closingWithLessThanAHeaderReportsItTruncated() {
    feed(new byte[] {4, 0, 0});
    ch.finish();

    MalformedFrame m = ch.readInbound();
    assertThat(m.problem()).isEqualTo(Problem.TRUNCATED_AT_CLOSE);
    assertThat(m.type()).isZero();
  }

  @Test
  void helloFromAFutureVersionIsReadForItsBitmap() {
    byte[] hello = bytes(SwitchMessages.hello(OFVersion.OF_15, 6, 7));
    hello[0] = 7;

    List<Object> out = feed(hello);

    assertThat(out).singleElement().isInstanceOfSatisfying(OFHello.class,
        h -> assertThat(h.getElements()).hasSize(1));
  }

  @Test
  void aVersionOtherThanTheNegotiatedOneIsBadVersion() {
    info.version(OFVersion.OF_13);

    List<Object> out = feed(bytes(factory(OFVersion.OF_10).buildEchoRequest().setXid(3).build()));

    assertThat(out).singleElement().isInstanceOfSatisfying(MalformedFrame.class,
        m -> assertThat(m.problem()).isEqualTo(Problem.BAD_VERSION));
  }
}
