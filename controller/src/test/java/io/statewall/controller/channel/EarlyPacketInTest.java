package io.statewall.controller.channel;

import static org.assertj.core.api.Assertions.assertThat;

import io.statewall.controller.ChannelLimits;
import io.statewall.controller.ChannelStats;
import io.statewall.controller.ControllerConfig;
import io.statewall.controller.app.ListenerDispatcher;
import io.statewall.controller.app.ListenerResult;
import io.statewall.controller.switches.SwitchDirectory;
import io.statewall.controller.testing.EmbeddedSwitch;
import io.statewall.controller.testing.SwitchMessages;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.projectfloodlight.openflow.protocol.OFMessage;
import org.projectfloodlight.openflow.protocol.OFPacketIn;
import org.projectfloodlight.openflow.protocol.OFPacketInReason;
import org.projectfloodlight.openflow.protocol.OFVersion;
import org.projectfloodlight.openflow.protocol.match.MatchField;
import org.projectfloodlight.openflow.types.DatapathId;
import org.projectfloodlight.openflow.types.OFBufferId;
import org.projectfloodlight.openflow.types.OFPort;

/**
 * Switches (and controller benchmarks) send packet-ins right after their features reply: they reach the
 * apps once the switch is ready, in order, never before and never silently lost.
 */
class EarlyPacketInTest {
  private static final OFVersion V = OFVersion.OF_13;

  private final ListenerDispatcher dispatcher = new ListenerDispatcher();
  private final ChannelStats stats = new ChannelStats();
  private final SwitchDirectory directory = new SwitchDirectory(dispatcher, stats);
  private final List<String> seen = new ArrayList<>();

  {
    dispatcher.addMessageListener("test", OFPacketIn.class, 0, (sw, pi) -> {
      seen.add("packet-in " + pi.getXid() + " ready=" + sw.isReady());
      return ListenerResult.CONTINUE;
    });
  }

  private static OFPacketIn packetIn(long xid) {
    return SwitchMessages.factory(V).buildPacketIn().setXid(xid).setBufferId(OFBufferId.NO_BUFFER)
        .setReason(OFPacketInReason.NO_MATCH).setData(new byte[60])
        .setMatch(SwitchMessages.factory(V).buildMatch().setExact(MatchField.IN_PORT, OFPort.of(1)).build())
        .build();
  }

  @Test
  void packetInsBeforeTheBarrierReachTheAppsOnceTheSwitchIsReady() {
    EmbeddedSwitch sw = new EmbeddedSwitch(dispatcher, directory);
    long portDescXid = sw.helloAndFeatures(V, DatapathId.of(1), List.of()).get(0).getXid();
    sw.send(packetIn(101));
    sw.send(SwitchMessages.portDesc(V, portDescXid, SwitchMessages.ports(V, 2), false));
    List<OFMessage> setup = sw.received();
    sw.send(packetIn(102), packetIn(103));

    assertThat(seen).as("nothing before ready").isEmpty();
    sw.answerBarrier(V, setup);
    sw.send(packetIn(104));

    assertThat(seen).containsExactly("packet-in 101 ready=true", "packet-in 102 ready=true",
        "packet-in 103 ready=true", "packet-in 104 ready=true");
    assertThat(stats.earlyPacketInsDelivered()).isEqualTo(3);
  }

  @Test
  void packetInsBeyondTheQueueAreDroppedAndCounted() {
    ControllerConfig config = ControllerConfig.defaults().withLimits(ChannelLimits.DEFAULTS.withEarlyPacketIns(2, 1 << 20));
    EmbeddedSwitch sw = new EmbeddedSwitch(dispatcher, directory, config);
    long portDescXid = sw.helloAndFeatures(V, DatapathId.of(1), List.of()).get(0).getXid();
    sw.send(SwitchMessages.portDesc(V, portDescXid, SwitchMessages.ports(V, 2), false));
    List<OFMessage> setup = sw.received();
    for (int i = 1; i <= 5; i++) {
      sw.send(packetIn(i));
    }
    sw.answerBarrier(V, setup);

    assertThat(seen).containsExactly("packet-in 1 ready=true", "packet-in 2 ready=true");
    assertThat(stats.droppedCount(ChannelStats.Limit.EARLY_PACKET_INS)).isEqualTo(3);
  }

  @Test
  void theQueueIsBoundedInBytesToo() {
    ControllerConfig config = ControllerConfig.defaults().withLimits(ChannelLimits.DEFAULTS.withEarlyPacketIns(100, 130));
    EmbeddedSwitch sw = new EmbeddedSwitch(dispatcher, directory, config);
    long portDescXid = sw.helloAndFeatures(V, DatapathId.of(1), List.of()).get(0).getXid();
    sw.send(SwitchMessages.portDesc(V, portDescXid, SwitchMessages.ports(V, 2), false));
    List<OFMessage> setup = sw.received();
    for (int i = 1; i <= 5; i++) {
      sw.send(packetIn(i)); // 60 bytes each
    }
    sw.answerBarrier(V, setup);

    assertThat(seen).hasSize(2);
    assertThat(stats.droppedCount(ChannelStats.Limit.EARLY_PACKET_INS)).isEqualTo(3);
  }
}
