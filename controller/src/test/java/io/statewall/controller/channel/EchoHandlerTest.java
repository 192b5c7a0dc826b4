package io.statewall.controller.channel;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.handler.timeout.IdleStateEvent;
import io.statewall.controller.testing.EmbeddedSwitch;
import io.statewall.controller.testing.SwitchMessages;
import org.junit.jupiter.api.Test;
import org.projectfloodlight.openflow.protocol.OFEchoReply;
import org.projectfloodlight.openflow.protocol.OFEchoRequest;
import org.projectfloodlight.openflow.protocol.OFVersion;
import org.projectfloodlight.openflow.types.DatapathId;

class EchoHandlerTest {
  private final EmbeddedSwitch sw = new EmbeddedSwitch();

  @Test
  void echoRequestIsAnsweredWithItsXidAndData() {
    sw.handshake(OFVersion.OF_13, DatapathId.of(1), 1);

    sw.send(SwitchMessages.factory(OFVersion.OF_13).buildEchoRequest().setXid(77).setData(new byte[] {1, 2, 3}).build());

    assertThat(sw.received()).singleElement().isInstanceOfSatisfying(OFEchoReply.class, r -> {
      assertThat(r.getXid()).isEqualTo(77);
      assertThat(r.getData()).containsExactly(1, 2, 3);
    });
  }

  @Test
  void echoRequestIsAnsweredEvenDuringTheHandshake() {
    sw.received();
    sw.send(SwitchMessages.factory(OFVersion.OF_10).buildEchoRequest().setXid(5).build());

    assertThat(sw.received()).singleElement().isInstanceOf(OFEchoReply.class);
  }

  @Test
  void idleSwitchGetsAnEchoRequestAndIsDroppedWhenItStaysSilent() {
    sw.handshake(OFVersion.OF_14, DatapathId.of(1), 1);

    sw.channel.pipeline().fireUserEventTriggered(IdleStateEvent.FIRST_READER_IDLE_STATE_EVENT);
    assertThat(sw.received()).singleElement().isInstanceOfSatisfying(OFEchoRequest.class,
        e -> assertThat(e.getVersion()).isEqualTo(OFVersion.OF_14));
    assertThat(sw.channel.isOpen()).isTrue();

    sw.channel.pipeline().fireUserEventTriggered(IdleStateEvent.READER_IDLE_STATE_EVENT);
    assertThat(sw.channel.isOpen()).isFalse();
    assertThat(sw.directory.all()).isEmpty();
  }

  @Test
  void silentPeerThatNeverSentHelloIsDropped() {
    sw.received();

    sw.channel.pipeline().fireUserEventTriggered(IdleStateEvent.FIRST_READER_IDLE_STATE_EVENT);

    assertThat(sw.channel.isOpen()).isFalse();
  }
}
