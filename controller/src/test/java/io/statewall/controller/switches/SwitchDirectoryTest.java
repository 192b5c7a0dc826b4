package io.statewall.controller.switches;

import static org.assertj.core.api.Assertions.assertThat;

import io.statewall.controller.app.ListenerDispatcher;
import io.statewall.controller.app.SwitchListener;
import io.statewall.controller.testing.EmbeddedSwitch;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.projectfloodlight.openflow.protocol.OFVersion;
import org.projectfloodlight.openflow.types.DatapathId;

class SwitchDirectoryTest {
  private final ListenerDispatcher dispatcher = new ListenerDispatcher();
  private final SwitchDirectory directory = new SwitchDirectory(dispatcher);
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

  @Test
  void secondConnectionWithTheSameDatapathIdReplacesTheFirst() {
    EmbeddedSwitch first = new EmbeddedSwitch(dispatcher, directory);
    first.handshake(OFVersion.OF_10, DatapathId.of(7), 1);
    SwitchHandle old = directory.get(DatapathId.of(7)).orElseThrow();

    EmbeddedSwitch second = new EmbeddedSwitch(dispatcher, directory);
    second.handshake(OFVersion.OF_13, DatapathId.of(7), 1);

    assertThat(first.channel.isOpen()).isFalse();
    assertThat(old.isConnected()).isFalse();
    assertThat(directory.get(DatapathId.of(7)).orElseThrow().version()).isEqualTo(OFVersion.OF_13);
    assertThat(directory.ready()).hasSize(1);
    assertThat(events).containsExactly(
        "connected OF_10", "ready OF_10", "disconnected OF_10", "connected OF_13", "ready OF_13");
  }

  @Test
  void oldConnectionClosingLateDoesNotRemoveItsReplacement() {
    EmbeddedSwitch first = new EmbeddedSwitch(dispatcher, directory);
    first.handshake(OFVersion.OF_13, DatapathId.of(7), 1);
    EmbeddedSwitch second = new EmbeddedSwitch(dispatcher, directory);
    second.handshake(OFVersion.OF_15, DatapathId.of(7), 1);

    first.channel.close();
    first.channel.runPendingTasks();

    assertThat(directory.get(DatapathId.of(7)).orElseThrow().version()).isEqualTo(OFVersion.OF_15);
    assertThat(events).filteredOn(e -> e.startsWith("disconnected")).containsExactly("disconnected OF_13");
  }

  @Test
  void switchesWithDifferentIdsCoexist() {
    new EmbeddedSwitch(dispatcher, directory).handshake(OFVersion.OF_13, DatapathId.of(1), 1);
    new EmbeddedSwitch(dispatcher, directory).handshake(OFVersion.OF_14, DatapathId.of(2), 1);

    assertThat(directory.ready()).extracting(SwitchHandle::id)
        .containsExactlyInAnyOrder(DatapathId.of(1), DatapathId.of(2));
  }
}
