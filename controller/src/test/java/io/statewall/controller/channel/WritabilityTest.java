package io.statewall.controller.channel;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.WriteBufferWaterMark;
import io.statewall.controller.ChannelLimits;
import io.statewall.controller.ChannelStats;
import io.statewall.controller.ControllerConfig;
import io.statewall.controller.app.ListenerDispatcher;
import io.statewall.controller.switches.SwitchDirectory;
import io.statewall.controller.switches.SwitchHandle;
import io.statewall.controller.testing.EmbeddedSwitch;
import io.statewall.controller.testing.SwitchMessages;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.projectfloodlight.openflow.protocol.OFFactory;
import org.projectfloodlight.openflow.protocol.OFPacketOut;
import org.projectfloodlight.openflow.protocol.OFVersion;
import org.projectfloodlight.openflow.types.DatapathId;
import org.projectfloodlight.openflow.types.OFBufferId;
import org.projectfloodlight.openflow.types.OFPort;

/**
 * A switch that stops reading: a handler at the head of the pipeline swallows flushes, so the send
 * buffer fills as it does on a socket nobody reads (EmbeddedChannel itself writes everything at once).
 */
class WritabilityTest {
  private static final OFVersion V = OFVersion.OF_13;
  private static final OFFactory F = SwitchMessages.factory(V);

  private static final String STALL = "stalledPeer";

  private final ListenerDispatcher dispatcher = new ListenerDispatcher();
  private final ChannelStats stats = new ChannelStats();
  private final SwitchDirectory directory = new SwitchDirectory(dispatcher, stats);

  private EmbeddedSwitch stalledSwitch(ChannelLimits limits) {
    EmbeddedSwitch sw = new EmbeddedSwitch(dispatcher, directory, ControllerConfig.defaults().withLimits(limits));
    // the embedded loop's clock is System.nanoTime() plus what advanceTimeBy added: frozen, only the
    // test moves it, so a slow machine cannot fire the deadline before the test says it is due
    sw.channel.freezeTime();
    sw.handshake(V, DatapathId.of(1), 2);
    sw.received();
    sw.channel.config().setWriteBufferWaterMark(new WriteBufferWaterMark(8 * 1024, 16 * 1024));
    sw.channel.pipeline().addFirst(STALL, new ChannelOutboundHandlerAdapter() {
      @Override
      public void flush(ChannelHandlerContext ctx) {
        // the peer reads nothing: nothing leaves the buffer
      }
    });
    return sw;
  }

  /** The switch reads again. */
  private static void drain(EmbeddedSwitch sw) {
    sw.channel.pipeline().remove(STALL);
    sw.channel.flush();
    sw.received();
  }

  private static OFPacketOut packetOut() {
    return F.buildPacketOut().setBufferId(OFBufferId.NO_BUFFER).setInPort(OFPort.CONTROLLER)
        .setActions(List.of(F.actions().output(OFPort.of(1), 0))).setData(new byte[1_000]).build();
  }

  private static long queuedBytes(EmbeddedSwitch sw) {
    return sw.channel.unsafe().outboundBuffer().totalPendingWriteBytes();
  }

  @Test
  void packetOutsToASwitchThatStopsReadingAreDroppedAndCounted() {
    EmbeddedSwitch sw = stalledSwitch(ChannelLimits.DEFAULTS);
    SwitchHandle handle = directory.get(DatapathId.of(1)).orElseThrow();

    for (int i = 0; i < 10_000; i++) {
      handle.write(packetOut());
    }

    assertThat(sw.channel.isWritable()).isFalse();
    assertThat(queuedBytes(sw)).as("queued stops at the high-water mark").isLessThan(16 * 1024 + 2_000);
    assertThat(stats.droppedCount(ChannelStats.Limit.UNWRITABLE)).isGreaterThan(9_900);
    assertThat(sw.channel.isOpen()).isTrue();
  }

  @Test
  void aSwitchUnwritableForTheTimeoutIsDisconnected() {
    Duration timeout = ChannelLimits.DEFAULTS.unwritableTimeout();
    EmbeddedSwitch sw = stalledSwitch(ChannelLimits.DEFAULTS);
    SwitchHandle handle = directory.get(DatapathId.of(1)).orElseThrow();
    for (int i = 0; i < 100; i++) {
      handle.write(packetOut());
    }

    sw.channel.advanceTimeBy(timeout.toMillis() - 1, TimeUnit.MILLISECONDS);
    sw.channel.runScheduledPendingTasks();
    assertThat(sw.channel.isOpen()).isTrue();
    sw.channel.advanceTimeBy(2, TimeUnit.MILLISECONDS);
    sw.channel.runScheduledPendingTasks();

    assertThat(sw.channel.isOpen()).isFalse();
    assertThat(stats.disconnectedCount(ChannelStats.Limit.UNWRITABLE)).isEqualTo(1);
  }

  @Test
  void aSwitchThatDrainsInTimeStays() {
    EmbeddedSwitch sw = stalledSwitch(ChannelLimits.DEFAULTS);
    SwitchHandle handle = directory.get(DatapathId.of(1)).orElseThrow();
    for (int i = 0; i < 100; i++) {
      handle.write(packetOut());
    }
    drain(sw);
    assertThat(sw.channel.isWritable()).isTrue();

    sw.channel.advanceTimeBy(ChannelLimits.DEFAULTS.unwritableTimeout().toMillis() * 2, TimeUnit.MILLISECONDS);
    sw.channel.runScheduledPendingTasks();

    assertThat(sw.channel.isOpen()).isTrue();
    assertThat(stats.disconnectedCount(ChannelStats.Limit.UNWRITABLE)).isZero();
  }

  @Test
  void moreThanTheQueuedBytesBoundDisconnectsAtOnce() {
    EmbeddedSwitch sw = stalledSwitch(ChannelLimits.DEFAULTS.withUnwritable(Duration.ofSeconds(10), 100_000));
    SwitchHandle handle = directory.get(DatapathId.of(1)).orElseThrow();

    int written = 0;
    while (sw.channel.isOpen() && written < 100_000) {
      handle.write(F.buildEchoRequest().setData(new byte[1_000]).build()); // not a packet-out: never dropped
      written++;
    }

    assertThat(sw.channel.isOpen()).isFalse();
    assertThat(written).isLessThan(110);
    assertThat(stats.disconnectedCount(ChannelStats.Limit.QUEUED_BYTES)).isEqualTo(1);
  }
}
