package io.statewall.controller;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.util.internal.PlatformDependent;
import io.statewall.controller.app.App;
import io.statewall.controller.app.AppContext;
import io.statewall.controller.app.ListenerResult;
import io.statewall.controller.app.SwitchListener;
import io.statewall.controller.switches.SwitchHandle;
import io.statewall.controller.testing.ScriptedSwitch;
import io.statewall.controller.testing.SwitchMessages;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.projectfloodlight.openflow.protocol.OFEchoRequest;
import org.projectfloodlight.openflow.protocol.OFFactory;
import org.projectfloodlight.openflow.protocol.OFFeaturesRequest;
import org.projectfloodlight.openflow.protocol.OFPacketIn;
import org.projectfloodlight.openflow.protocol.OFPacketInReason;
import org.projectfloodlight.openflow.protocol.OFVersion;
import org.projectfloodlight.openflow.types.DatapathId;
import org.projectfloodlight.openflow.types.OFBufferId;
import org.projectfloodlight.openflow.types.OFPort;

/** Hostile peers against the real listener on loopback, with raw sockets. */
class RogueSwitchTest {
  private static final OFFactory F = SwitchMessages.factory(OFVersion.OF_13);
  private final BlockingQueue<String> events = new LinkedBlockingQueue<>();
  private final AtomicLong peakDirectMemory = new AtomicLong();
  private Controller controller;

  /** Records lifecycle events; floods 100 packet-outs back for every packet-in (a broadcast storm). */
  private final App app = new App() {
    @Override
    public String name() {
      return "rogue-test";
    }

    @Override
    public void start(AppContext context) {
      context.addSwitchListener(0, new SwitchListener() {
        @Override
        public void switchReady(SwitchHandle sw) {
          events.add("ready " + sw.id().getLong());
        }

        @Override
        public void switchDisconnected(SwitchHandle sw) {
          events.add("disconnected " + sw.id().getLong());
        }
      });
      context.addMessageListener(OFPacketIn.class, 0, (sw, pi) -> {
        for (int i = 0; i < 100; i++) {
          sw.write(F.buildPacketOut().setBufferId(OFBufferId.NO_BUFFER).setInPort(OFPort.CONTROLLER)
              .setActions(List.of(F.actions().output(OFPort.FLOOD, 0))).setData(new byte[1_400]).build());
        }
        peakDirectMemory.accumulateAndGet(PlatformDependent.usedDirectMemory(), Math::max);
        return ListenerResult.CONTINUE;
      });
    }
  };

  private InetSocketAddress start(ChannelLimits limits) throws Exception {
    controller = new Controller(ControllerConfig.defaults().withListen("127.0.0.1", 0).withLimits(limits),
        List.of(app));
    return controller.start();
  }

  @AfterEach
  void close() {
    if (controller != null) {
      controller.close();
    }
  }

  private String nextEvent() throws InterruptedException {
    String e = events.poll(10, TimeUnit.SECONDS);
    assertThat(e).as("an event within 10 s").isNotNull();
    return e;
  }

  @Test
  void anImpostorOfALiveSwitchIsRefusedAndTheSwitchKeepsItsSession() throws Exception {
    InetSocketAddress address = start(ChannelLimits.DEFAULTS);
    try (ScriptedSwitch real = new ScriptedSwitch(address); ScriptedSwitch impostor = new ScriptedSwitch(address)) {
      real.handshake13(DatapathId.of(1));
      assertThat(nextEvent()).isEqualTo("ready 1");

      impostor.receive(); // hello
      impostor.send(SwitchMessages.hello(OFVersion.OF_13, 4));
      OFFeaturesRequest features = impostor.receive(OFFeaturesRequest.class);
      impostor.send(SwitchMessages.features(OFVersion.OF_13, features.getXid(), DatapathId.of(1), List.of()));
      OFEchoRequest probe = real.receive(OFEchoRequest.class);
      real.send(F.buildEchoReply().setXid(probe.getXid()).build());

      assertThat(impostor.closedByPeer()).isTrue();
      assertThat(controller.channelStats().refusedCount(ChannelStats.Refusal.LIVE_DUPLICATE)).isEqualTo(1);
      assertThat(controller.switches().get(DatapathId.of(1))).hasValueSatisfying(sw -> assertThat(sw.isReady()).isTrue());
      assertThat(events).as("the real switch was never dropped").isEmpty();
    }
  }

  @Test
  void aSwitchThatStopsReadingWhileItsPortsFloodIsDisconnectedWithBoundedMemory() throws Exception {
    InetSocketAddress address = start(ChannelLimits.DEFAULTS.withUnwritable(Duration.ofSeconds(1), 64L << 20));
    long before = PlatformDependent.usedDirectMemory();
    try (ScriptedSwitch sw = new ScriptedSwitch(address)) {
      sw.handshake13(DatapathId.of(2));
      assertThat(nextEvent()).isEqualTo("ready 2");
      long start = System.nanoTime();

      // it sends packet-ins and reads nothing from now on
      int sent = 0;
      while (events.isEmpty() && sent < 200_000) {
        try {
          sw.send(F.buildPacketIn().setXid(++sent).setBufferId(OFBufferId.NO_BUFFER)
              .setReason(OFPacketInReason.NO_MATCH).setData(new byte[60]).build());
        } catch (java.io.IOException closed) {
          break;
        }
      }

      assertThat(nextEvent()).isEqualTo("disconnected 2");
      long millis = (System.nanoTime() - start) / 1_000_000;
      long dropped = controller.channelStats().droppedCount(ChannelStats.Limit.UNWRITABLE);
      System.out.printf("stalled switch: %d packet-ins, %d packet-outs dropped, disconnected after %d ms, "
          + "peak direct memory %d KiB above start%n", sent, dropped, millis,
          (peakDirectMemory.get() - before) / 1024);
      assertThat(dropped).isPositive();
      assertThat(controller.channelStats().disconnectedCount(ChannelStats.Limit.UNWRITABLE)).isEqualTo(1);
      if (before >= 0) {
        assertThat(peakDirectMemory.get() - before).as("direct memory held for the stalled switch")
            .isLessThan(16L << 20);
      }
    }
  }
}
