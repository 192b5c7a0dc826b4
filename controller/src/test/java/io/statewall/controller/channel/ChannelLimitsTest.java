package io.statewall.controller.channel;

import static org.assertj.core.api.Assertions.assertThat;

import io.statewall.controller.ChannelLimits;
import io.statewall.controller.ChannelStats;
import io.statewall.controller.ControllerConfig;
import io.statewall.controller.app.ListenerDispatcher;
import io.statewall.controller.app.SwitchListener;
import io.statewall.controller.switches.RequestLimitException;
import io.statewall.controller.switches.SwitchDirectory;
import io.statewall.controller.switches.SwitchHandle;
import io.statewall.controller.testing.EmbeddedSwitch;
import io.statewall.controller.testing.SwitchMessages;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.projectfloodlight.openflow.protocol.OFFactory;
import org.projectfloodlight.openflow.protocol.OFMessage;
import org.projectfloodlight.openflow.protocol.OFPortDesc;
import org.projectfloodlight.openflow.protocol.OFPortReason;
import org.projectfloodlight.openflow.protocol.OFStatsReplyFlags;
import org.projectfloodlight.openflow.protocol.OFVersion;
import org.projectfloodlight.openflow.types.DatapathId;
import org.projectfloodlight.openflow.types.MacAddress;
import org.projectfloodlight.openflow.types.OFPort;

/** What an unauthenticated peer can make the controller hold is bounded, before and after the handshake. */
class ChannelLimitsTest {
  private static final OFVersion V = OFVersion.OF_13;
  private static final OFFactory F = SwitchMessages.factory(V);

  private final ListenerDispatcher dispatcher = new ListenerDispatcher();
  private final ChannelStats stats = new ChannelStats();
  private final SwitchDirectory directory = new SwitchDirectory(dispatcher, stats);
  private final List<String> portEvents = new ArrayList<>();

  {
    dispatcher.addSwitchListener("test", 0, new SwitchListener() {
      @Override
      public void portChanged(SwitchHandle sw, org.projectfloodlight.openflow.protocol.OFPortStatus status) {
        portEvents.add(status.getReason() + " " + status.getDesc().getPortNo());
      }
    });
  }

  private EmbeddedSwitch embedded(ChannelLimits limits) {
    return new EmbeddedSwitch(dispatcher, directory, ControllerConfig.defaults().withLimits(limits));
  }

  private static List<OFPortDesc> ports(int from, int count) {
    List<OFPortDesc> ports = new ArrayList<>();
    for (int i = from; i < from + count; i++) {
      ports.add(F.buildPortDesc().setPortNo(OFPort.of(i)).setHwAddr(MacAddress.of(i)).setName("p" + i).build());
    }
    return ports;
  }

  @Test
  void portDescriptionPartsWithTheMoreFlagStopAtThePortLimit() {
    EmbeddedSwitch sw = embedded(ChannelLimits.DEFAULTS);
    long xid = sw.helloAndFeatures(V, DatapathId.of(1), List.of()).get(0).getXid();

    int sent = 0;
    for (int part = 0; part < 1_000 && sw.channel.isOpen(); part++) {
      sw.send(SwitchMessages.portDesc(V, xid, ports(part * 100 + 1, 100), true));
      sent += 100;
    }

    assertThat(sw.channel.isOpen()).isFalse();
    assertThat(sent).as("ports sent before the cut").isLessThanOrEqualTo(ChannelLimits.DEFAULTS.maxPorts() + 100);
    assertThat(stats.disconnectedCount(ChannelStats.Limit.PORTS)).isEqualTo(1);
    assertThat(directory.all()).isEmpty();
  }

  @Test
  void emptyPortDescriptionPartsWithTheMoreFlagStopAtThePartLimit() {
    EmbeddedSwitch sw = embedded(ChannelLimits.DEFAULTS);
    long xid = sw.helloAndFeatures(V, DatapathId.of(1), List.of()).get(0).getXid();

    int parts = 0;
    while (sw.channel.isOpen() && parts < 10_000) {
      sw.send(SwitchMessages.portDesc(V, xid, List.of(), true));
      parts++;
    }

    assertThat(parts).isEqualTo(ChannelLimits.DEFAULTS.maxHandshakeParts() + 1);
    assertThat(stats.disconnectedCount(ChannelStats.Limit.MULTIPART_PARTS)).isEqualTo(1);
  }

  @Test
  void portStatusBeyondThePortLimitIsIgnoredAndCounted() {
    EmbeddedSwitch sw = embedded(ChannelLimits.DEFAULTS.withMaxPorts(4));
    sw.handshake(V, DatapathId.of(1), 4);
    SwitchHandle handle = directory.get(DatapathId.of(1)).orElseThrow();

    for (int port = 5; port < 1_005; port++) {
      sw.send(F.buildPortStatus().setReason(OFPortReason.ADD).setDesc(ports(port, 1).get(0)).build());
    }
    sw.send(F.buildPortStatus().setReason(OFPortReason.DELETE).setDesc(ports(4, 1).get(0)).build());
    sw.send(F.buildPortStatus().setReason(OFPortReason.ADD).setDesc(ports(2_000, 1).get(0)).build());

    assertThat(handle.ports()).extracting(OFPortDesc::getPortNo)
        .containsExactly(OFPort.of(1), OFPort.of(2), OFPort.of(3), OFPort.of(2_000));
    assertThat(portEvents).containsExactly("DELETE 4", "ADD 2000");
    assertThat(stats.droppedCount(ChannelStats.Limit.PORTS)).isEqualTo(1_000);
    assertThat(sw.channel.isOpen()).as("a port too many is not a reason to drop the switch").isTrue();
  }

  @Test
  void requestsBeyondThePendingLimitFailAtOnce() {
    EmbeddedSwitch sw = embedded(ChannelLimits.DEFAULTS.withMaxPendingRequests(3));
    sw.handshake(V, DatapathId.of(1), 1);
    SwitchHandle handle = directory.get(DatapathId.of(1)).orElseThrow();

    List<CompletableFuture<?>> barriers = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      barriers.add(handle.barrier());
    }
    sw.channel.runPendingTasks();

    assertThat(barriers.subList(0, 3)).allSatisfy(b -> assertThat(b).isNotDone());
    assertThat(barriers.subList(3, 5)).allSatisfy(b -> assertThat(b).isCompletedExceptionally()
        .failsWithin(java.time.Duration.ZERO).withThrowableThat().withCauseInstanceOf(RequestLimitException.class));
    assertThat(stats.droppedCount(ChannelStats.Limit.PENDING_REQUESTS)).isEqualTo(2);
    List<OFMessage> sent = sw.received();
    assertThat(sent).hasSize(3);
    sw.send(F.buildBarrierReply().setXid(sent.get(0).getXid()).build());
    assertThat(handle.barrier()).as("room again once one is answered").isNotDone();
  }

  @Test
  void aCollectedReplyWithTooManyPartsFails() {
    EmbeddedSwitch sw = embedded(ChannelLimits.DEFAULTS.withMaxReplyParts(2));
    sw.handshake(V, DatapathId.of(1), 1);
    SwitchHandle handle = directory.get(DatapathId.of(1)).orElseThrow();

    var reply = handle.requestStats(F.buildPortDescStatsRequest().build());
    long xid = sw.received().get(0).getXid();
    for (int i = 0; i < 3; i++) {
      sw.send(F.buildPortDescStatsReply().setXid(xid).setEntries(ports(i + 1, 1))
          .setFlags(Set.of(OFStatsReplyFlags.REPLY_MORE)).build());
    }

    assertThat(reply).failsWithin(java.time.Duration.ZERO).withThrowableThat()
        .withCauseInstanceOf(RequestLimitException.class).withMessageContaining("more than 2 parts");
  }
}
