package io.statewall.controller.channel;

import static org.assertj.core.api.Assertions.assertThat;

import io.statewall.controller.testing.EmbeddedSwitch;
import io.statewall.controller.testing.SwitchMessages;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.projectfloodlight.openflow.protocol.OFBadRequestCode;
import org.projectfloodlight.openflow.protocol.OFHello;
import org.projectfloodlight.openflow.protocol.OFMessage;
import org.projectfloodlight.openflow.protocol.OFVersion;
import org.projectfloodlight.openflow.protocol.errormsg.OFBadRequestErrorMsg;
import org.projectfloodlight.openflow.types.DatapathId;

/** Bad bytes from a switch, through the controller's whole pipeline: the answer, and whether it stays up. */
class BadInputTest {
  private final EmbeddedSwitch sw = new EmbeddedSwitch();

  private static byte[] frame(int version, int type, int length, int xid, int bodyBytes) {
    byte[] b = new byte[8 + bodyBytes];
    b[0] = (byte) version;
    b[1] = (byte) type;
    b[2] = (byte) (length >> 8);
    b[3] = (byte) length;
    b[7] = (byte) xid;
    return b;
  }

  static Stream<Arguments> badFrames() {
    return Stream.of(
        Arguments.of("unknown version answers BAD_VERSION", frame(9, 2, 8, 5, 0), OFBadRequestCode.BAD_VERSION, true),
        Arguments.of("unknown type answers BAD_TYPE", frame(4, 99, 8, 5, 0), OFBadRequestCode.BAD_TYPE, true),
        Arguments.of("unparsable body answers BAD_LEN", frame(4, 10, 12, 5, 4), OFBadRequestCode.BAD_LEN, true),
        Arguments.of("header length 4 answers BAD_LEN and closes", frame(4, 2, 4, 5, 0), OFBadRequestCode.BAD_LEN,
            false));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("badFrames")
  void badFrameBeforeTheHandshake(String name, byte[] bad, OFBadRequestCode code, boolean staysOpen) {
    assertThat(sw.received()).singleElement().isInstanceOf(OFHello.class);

    sw.sendBytes(bad);

    List<OFMessage> replies = sw.received();
    assertThat(replies).singleElement().isInstanceOfSatisfying(OFBadRequestErrorMsg.class, e -> {
      assertThat(e.getCode()).isEqualTo(code);
      assertThat(e.getXid()).isEqualTo(5);
      assertThat(e.getData().getData()).startsWith(bad[0], bad[1]);
    });
    assertThat(sw.channel.isOpen()).isEqualTo(staysOpen);
  }

  @Test
  void badFrameAfterTheHandshakeIsAnsweredInTheNegotiatedVersionAndTheSwitchStays() {
    sw.handshake(OFVersion.OF_13, DatapathId.of(1), 2);

    sw.sendBytes(frame(4, 99, 8, 6, 0));
    sw.send(SwitchMessages.factory(OFVersion.OF_13).buildEchoRequest().setXid(8).build());

    List<OFMessage> replies = sw.received();
    assertThat(replies).hasSize(2);
    assertThat(replies.get(0)).isInstanceOfSatisfying(OFBadRequestErrorMsg.class, e -> {
      assertThat(e.getVersion()).isEqualTo(OFVersion.OF_13);
      assertThat(e.getCode()).isEqualTo(OFBadRequestCode.BAD_TYPE);
    });
    assertThat(replies.get(1).getXid()).isEqualTo(8);
    assertThat(sw.directory.ready()).hasSize(1);
  }

  @Test
  void httpRequestWaitsForItsImpossibleLengthThenCloseIsQuiet() {
    sw.received();
    sw.sendBytes("GET / HTTP/1.1\r\nHost: controller\r\n\r\n".getBytes(StandardCharsets.US_ASCII));

    assertThat(sw.received()).isEmpty();
    assertThat(sw.channel.isOpen()).isTrue();

    sw.channel.close();
    sw.channel.checkException(); // nothing escaped the pipeline
    assertThat(sw.received()).isEmpty();
  }

  @Test
  void randomGarbageNeverThrowsAndNeverAffectsAnotherSwitch() {
    EmbeddedSwitch healthy = new EmbeddedSwitch(sw.dispatcher, sw.directory);
    Random random = new Random(42);
    for (int i = 0; i < 200; i++) {
      EmbeddedSwitch victim = new EmbeddedSwitch(sw.dispatcher, sw.directory);
      byte[] garbage = new byte[1 + random.nextInt(300)];
      random.nextBytes(garbage);
      victim.sendBytes(garbage);
      victim.received();
      victim.channel.close();
      victim.channel.checkException();
    }

    healthy.handshake(OFVersion.OF_15, DatapathId.of(9), 1);
    assertThat(healthy.directory.ready()).extracting(s -> s.id()).containsExactly(DatapathId.of(9));
  }
}
