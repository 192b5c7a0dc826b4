package io.statewall.controller.switches;

import static org.assertj.core.api.Assertions.assertThat;

import io.statewall.controller.ChannelStats;
import io.statewall.controller.ControllerConfig;
import io.statewall.controller.SwitchAdmission;
import io.statewall.controller.app.ListenerDispatcher;
import io.statewall.controller.app.SwitchListener;
import io.statewall.controller.testing.EmbeddedSwitch;
import io.statewall.controller.testing.SwitchMessages;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.projectfloodlight.openflow.protocol.OFEchoRequest;
import org.projectfloodlight.openflow.protocol.OFMessage;
import org.projectfloodlight.openflow.protocol.OFPortDescStatsRequest;
import org.projectfloodlight.openflow.protocol.OFVersion;
import org.projectfloodlight.openflow.types.DatapathId;

/** One session per datapath id: a live switch keeps its id, a dead session gives way at once. */
class SwitchDirectoryTest {
  private final ListenerDispatcher dispatcher = new ListenerDispatcher();
  private final ChannelStats stats = new ChannelStats();
  private final SwitchDirectory directory = new SwitchDirectory(dispatcher, stats);
  private final List<String> events = new ArrayList<>();

  {
    dispatcher.addSwitchListener("test", 0, new SwitchListener() {
      @Override
      public void switchConnected(SwitchHandle sw) {
        events.add("connected " + sw.version());
      }

      @Override
      public void switchReady(SwitchHandle sw) {
        events.add("ready " + sw.version());
      }

      @Override
      public void switchDisconnected(SwitchHandle sw) {
        events.add("disconnected " + sw.version());
      }
    });
  }

  private EmbeddedSwitch newSwitch() {
    return new EmbeddedSwitch(dispatcher, directory);
  }

  private static OFEchoRequest probeOf(List<OFMessage> sent) {
    assertThat(sent).as("the old session is probed").singleElement().isInstanceOf(OFEchoRequest.class);
    return (OFEchoRequest) sent.get(0);
  }

  @Test
  void aNewConnectionClaimingALiveSwitchsIdIsRefused() {
    EmbeddedSwitch real = newSwitch();
    real.handshake(OFVersion.OF_13, DatapathId.of(7), 2);
    SwitchHandle handle = directory.get(DatapathId.of(7)).orElseThrow();

    EmbeddedSwitch impostor = newSwitch();
    List<OFMessage> toImpostor =
        impostor.helloAndFeatures(OFVersion.OF_13, DatapathId.of(7), SwitchMessages.ports(OFVersion.OF_13, 1));
    OFEchoRequest probe = probeOf(real.received());
    real.send(SwitchMessages.factory(OFVersion.OF_13).buildEchoReply().setXid(probe.getXid()).build());
    impostor.channel.runPendingTasks();

    assertThat(toImpostor).isEmpty();
    assertThat(impostor.channel.isOpen()).isFalse();
    assertThat(real.channel.isOpen()).isTrue();
    assertThat(directory.get(DatapathId.of(7))).containsSame(handle);
    assertThat(handle.isReady()).isTrue();
    assertThat(events).containsExactly("connected OF_13", "ready OF_13");
    assertThat(stats.refusedCount(ChannelStats.Refusal.LIVE_DUPLICATE)).isEqualTo(1);
  }

  @Test
  void aSessionThatDoesNotAnswerItsProbeIsDroppedAndTheNewOneAccepted() {
    EmbeddedSwitch first = newSwitch();
    first.handshake(OFVersion.OF_10, DatapathId.of(7), 1);
    SwitchHandle old = directory.get(DatapathId.of(7)).orElseThrow();

    EmbeddedSwitch second = newSwitch();
    assertThat(second.helloAndFeatures(OFVersion.OF_13, DatapathId.of(7), SwitchMessages.ports(OFVersion.OF_13, 1)))
        .as("nothing until the old session is judged").isEmpty();
    probeOf(first.received());
    first.channel.advanceTimeBy(ControllerConfig.defaults().limits().identityProbeTimeout().toMillis() + 1,
        TimeUnit.MILLISECONDS);
    first.channel.runScheduledPendingTasks();

    assertThat(first.channel.isOpen()).isFalse();
    assertThat(old.isConnected()).isFalse();
    assertThat(second.received()).singleElement().isInstanceOf(OFPortDescStatsRequest.class);
    assertThat(stats.staleSessionsReplaced()).isEqualTo(1);
    assertThat(events).containsExactly("connected OF_10", "ready OF_10", "disconnected OF_10");
  }

  @Test
  void aClosedSessionGivesWayAtOnceAndItsLateCloseDoesNotRemoveTheReplacement() {
    EmbeddedSwitch first = newSwitch();
    first.handshake(OFVersion.OF_13, DatapathId.of(7), 1);
    first.channel.close();
    EmbeddedSwitch second = newSwitch();
    second.handshake(OFVersion.OF_15, DatapathId.of(7), 1);

    first.channel.runPendingTasks();

    assertThat(directory.get(DatapathId.of(7)).orElseThrow().version()).isEqualTo(OFVersion.OF_15);
    assertThat(events).containsExactly("connected OF_13", "ready OF_13", "disconnected OF_13",
        "connected OF_15", "ready OF_15");
  }

  @Test
  void onlyAllowedDatapathIdsConnect() {
    ControllerConfig config = ControllerConfig.defaults()
        .withAdmission(new SwitchAdmission(Optional.of(Set.of(DatapathId.of(1))), java.util.Map.of()));
    EmbeddedSwitch allowed = new EmbeddedSwitch(dispatcher, directory, config);
    EmbeddedSwitch other = new EmbeddedSwitch(dispatcher, directory, config);

    allowed.handshake(OFVersion.OF_13, DatapathId.of(1), 1);
    List<OFMessage> toOther =
        other.helloAndFeatures(OFVersion.OF_13, DatapathId.of(2), SwitchMessages.ports(OFVersion.OF_13, 1));

    assertThat(toOther).isEmpty();
    assertThat(other.channel.isOpen()).isFalse();
    assertThat(directory.ready()).extracting(SwitchHandle::id).containsExactly(DatapathId.of(1));
    assertThat(stats.refusedCount(ChannelStats.Refusal.NOT_ALLOWED)).isEqualTo(1);
  }

  @Test
  void switchesWithDifferentIdsCoexist() {
    newSwitch().handshake(OFVersion.OF_13, DatapathId.of(1), 1);
    newSwitch().handshake(OFVersion.OF_14, DatapathId.of(2), 1);

    assertThat(directory.ready()).extracting(SwitchHandle::id)
        .containsExactlyInAnyOrder(DatapathId.of(1), DatapathId.of(2));
  }
}
