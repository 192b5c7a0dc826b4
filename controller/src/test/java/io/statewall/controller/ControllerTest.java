package io.statewall.controller;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.statewall.controller.app.App;
import io.statewall.controller.app.AppContext;
import io.statewall.controller.app.ListenerResult;
import io.statewall.controller.app.SwitchListener;
import io.statewall.controller.switches.SwitchHandle;
import io.statewall.controller.testing.ScriptedSwitch;
import io.statewall.controller.testing.SwitchMessages;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.projectfloodlight.openflow.protocol.OFEchoRequest;
import org.projectfloodlight.openflow.protocol.OFPacketIn;
import org.projectfloodlight.openflow.protocol.OFPacketInReason;
import org.projectfloodlight.openflow.protocol.OFVersion;
import org.projectfloodlight.openflow.types.DatapathId;

/** The controller on a real socket with scripted switches. */
class ControllerTest {
  private final BlockingQueue<String> events = new LinkedBlockingQueue<>();
  private Controller controller;

  /** Records lifecycle events and packet-ins; throws on the first packet-in to prove isolation. */
  private final App recorder = new App() {
    @Override
    public String name() {
      return "recorder";
    }

    @Override
    public void stopping() {
      events.add("stopping");
    }

    @Override
    public void stop() {
      events.add("stopped");
    }

    @Override
    public void start(AppContext context) {
      context.addSwitchListener(0, new SwitchListener() {
        @Override
        public void switchReady(SwitchHandle sw) {
          events.add("ready " + sw.id().getLong() + " " + sw.version());
        }

        @Override
        public void switchDisconnected(SwitchHandle sw) {
          events.add("disconnected " + sw.id().getLong());
        }
      });
      context.addMessageListener(OFPacketIn.class, 0, (sw, pi) -> {
        throw new IllegalStateException("listener bug");
      });
      context.addMessageListener(OFPacketIn.class, 1, (sw, pi) -> {
        events.add("packet-in " + pi.getXid());
        return ListenerResult.CONTINUE;
      });
    }
  };

  private InetSocketAddress start(Duration echo) throws IOException {
    controller = new Controller(
        ControllerConfig.defaults().withListen("127.0.0.1", 0).withEchoInterval(echo), List.of(recorder));
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
  void switchBecomesReadyAndAThrowingListenerNeitherStopsOthersNorClosesIt() throws Exception {
    InetSocketAddress address = start(Duration.ofSeconds(5));
    try (ScriptedSwitch sw = new ScriptedSwitch(address)) {
      sw.handshake13(DatapathId.of(42));
      assertThat(nextEvent()).isEqualTo("ready 42 OF_13");

      sw.send(SwitchMessages.factory(OFVersion.OF_13).buildPacketIn().setXid(99)
          .setReason(OFPacketInReason.NO_MATCH).setData(new byte[14]).build());

      assertThat(nextEvent()).isEqualTo("packet-in 99");
      assertThat(controller.listenerFailures()).isEqualTo(1);
      assertThat(controller.switches().ready()).hasSize(1);
    }
    assertThat(nextEvent()).isEqualTo("disconnected 42");
  }

  @Test
  void switchThatStopsAnsweringEchoIsDropped() throws Exception {
    InetSocketAddress address = start(Duration.ofMillis(200));
    try (ScriptedSwitch sw = new ScriptedSwitch(address)) {
      sw.handshake13(DatapathId.of(7));
      assertThat(nextEvent()).isEqualTo("ready 7 OF_13");

      OFEchoRequest echo = sw.receive(OFEchoRequest.class); // and never answer it

      assertThat(echo.getVersion()).isEqualTo(OFVersion.OF_13);
      assertThat(nextEvent()).isEqualTo("disconnected 7");
      assertThat(sw.closedByPeer()).isTrue();
    }
  }

  @Test
  void closeDisconnectsSwitchesAndReleasesThePort() throws Exception {
    InetSocketAddress address = start(Duration.ofSeconds(5));
    try (ScriptedSwitch sw = new ScriptedSwitch(address)) {
      sw.handshake13(DatapathId.of(3));
      assertThat(nextEvent()).isEqualTo("ready 3 OF_13");

      controller.close();

      assertThat(events.poll()).as("apps hear the controller is stopping before their switches go").isEqualTo("stopping");
      assertThat(events.poll()).as("apps hear the disconnect before close returns").isEqualTo("disconnected 3");
      assertThat(events.poll()).as("and stop after it").isEqualTo("stopped");
      assertThat(sw.closedByPeer()).isTrue();
    }
    assertThatThrownBy(() -> new Socket(address.getAddress(), address.getPort()).close())
        .isInstanceOf(ConnectException.class);
  }

  @Test
  void secondStartIsRefused() throws Exception {
    start(Duration.ofSeconds(5));

    assertThatThrownBy(() -> controller.start()).isInstanceOf(IllegalStateException.class);
  }
}
