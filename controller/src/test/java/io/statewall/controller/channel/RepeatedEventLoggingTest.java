package io.statewall.controller.channel;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.statewall.controller.testing.EmbeddedSwitch;
import java.io.IOException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.projectfloodlight.openflow.protocol.OFVersion;
import org.projectfloodlight.openflow.types.DatapathId;
import org.slf4j.LoggerFactory;

/** What a peer can repeat at will writes one log line per window, not one per event. */
class RepeatedEventLoggingTest {
  private final ListAppender<ILoggingEvent> lines = new ListAppender<>();
  private Logger logger;

  private void capture(Class<?> type) {
    logger = (Logger) LoggerFactory.getLogger(type);
    logger.setLevel(ch.qos.logback.classic.Level.INFO);
    lines.start();
    logger.addAppender(lines);
  }

  @AfterEach
  void release() {
    logger.detachAppender(lines);
    logger.setLevel(null);
  }

  @Test
  void aConnectionFailingWriteAfterWriteLogsOneLine() {
    capture(SwitchChannelHandler.class);
    EmbeddedSwitch sw = new EmbeddedSwitch();
    sw.handshake(OFVersion.OF_13, DatapathId.of(1), 1);

    for (int i = 0; i < 10_000; i++) {
      sw.channel.pipeline().fireExceptionCaught(new IOException("Connection reset by peer"));
    }

    assertThat(lines.list).hasSize(1);
    assertThat(lines.list.get(0).getFormattedMessage()).contains("connection error: Connection reset by peer");
  }

  @Test
  void aFloodOfMalformedFramesLogsOneLine() {
    capture(MalformedFrameHandler.class);
    EmbeddedSwitch sw = new EmbeddedSwitch();
    sw.handshake(OFVersion.OF_13, DatapathId.of(1), 1);

    byte[] unknownType = {4, (byte) 200, 0, 8, 0, 0, 0, 1};
    for (int i = 0; i < 10_000; i++) {
      sw.sendBytes(unknownType);
    }

    assertThat(sw.channel.isOpen()).isTrue();
    assertThat(lines.list).hasSize(1);
  }
}
