package io.statewall.controller.channel;

import static org.assertj.core.api.Assertions.assertThat;

import io.statewall.controller.switches.SwitchHandle;
import io.statewall.controller.testing.EmbeddedSwitch;
import io.statewall.controller.testing.SwitchMessages;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.projectfloodlight.openflow.protocol.OFBarrierRequest;
import org.projectfloodlight.openflow.protocol.OFFeaturesRequest;
import org.projectfloodlight.openflow.protocol.OFFlowAdd;
import org.projectfloodlight.openflow.protocol.OFFlowDelete;
import org.projectfloodlight.openflow.protocol.OFHello;
import org.projectfloodlight.openflow.protocol.OFHelloElemVersionbitmap;
import org.projectfloodlight.openflow.protocol.OFMessage;
import org.projectfloodlight.openflow.protocol.OFSetConfig;
import org.projectfloodlight.openflow.protocol.OFVersion;
import org.projectfloodlight.openflow.protocol.action.OFActionOutput;
import org.projectfloodlight.openflow.protocol.errormsg.OFHelloFailedErrorMsg;
import org.projectfloodlight.openflow.protocol.instruction.OFInstructionApplyActions;
import org.projectfloodlight.openflow.types.DatapathId;
import org.projectfloodlight.openflow.types.OFPort;
import org.projectfloodlight.openflow.types.TableId;
import org.projectfloodlight.openflow.types.U32;
import io.statewall.controller.app.SwitchListener;

class HandshakeHandlerTest {
  private final EmbeddedSwitch sw = new EmbeddedSwitch();
  private final List<String> events = new ArrayList<>();

  {
    sw.dispatcher.addSwitchListener("test", 0, new SwitchListener() {
      @Override
      public void switchConnected(SwitchHandle h) {
        events.add("connected " + h.version() + " ports=" + h.ports().size() + " ready=" + h.isReady());
      }

      @Override
      public void switchReady(SwitchHandle h) {
        events.add("ready " + h.version() + " ready=" + h.isReady());
      }

      @Override
      public void switchDisconnected(SwitchHandle h) {
        events.add("disconnected " + h.id());
      }
    });
  }

  @Test
  void ourHelloOffersEverySupportedVersion() {
    OFHello hello = (OFHello) sw.received().get(0);

    assertThat(hello.getVersion()).isEqualTo(OFVersion.OF_15);
    OFHelloElemVersionbitmap bitmap = (OFHelloElemVersionbitmap) hello.getElements().get(0);
    assertThat(bitmap.getBitmaps()).containsExactly(U32.of((1 << 1) | (1 << 4) | (1 << 5) | (1 << 6)));
  }

  @ParameterizedTest
  @EnumSource(value = OFVersion.class, names = {"OF_10", "OF_13", "OF_14", "OF_15"})
  void switchBecomesReadyAfterTheFlowTableIsProgrammed(OFVersion version) {
    List<OFMessage> sent = sw.handshake(version, DatapathId.of(0xab), 4);

    List<OFMessage> programming = sent.subList(sent.size() - 4, sent.size());
    assertThat(programming.get(0)).isInstanceOfSatisfying(OFSetConfig.class,
        c -> assertThat(c.getMissSendLen()).isEqualTo(0xffff));
    assertThat(programming.get(1)).isInstanceOf(OFFlowDelete.class);
    if (version != OFVersion.OF_10) {
      assertThat(((OFFlowDelete) programming.get(1)).getTableId()).isEqualTo(TableId.ALL);
    }
    assertThat(programming.get(2)).isInstanceOfSatisfying(OFFlowAdd.class, add -> {
      assertThat(add.getPriority()).isZero();
      assertThat(add.getMatch().getMatchFields()).isEmpty();
      OFActionOutput out =
          (OFActionOutput) (version == OFVersion.OF_10
              ? add.getActions().get(0)
              : ((OFInstructionApplyActions) add.getInstructions().get(0)).getActions().get(0));
      assertThat(out.getPort()).isEqualTo(OFPort.CONTROLLER);
      assertThat(out.getMaxLen()).isEqualTo(0xffff);
    });
    assertThat(programming.get(3)).isInstanceOf(OFBarrierRequest.class);
    assertThat(sent).allSatisfy(m -> {
      if (!(m instanceof OFHello)) {
        assertThat(m.getVersion()).isEqualTo(version);
      }
    });
    assertThat(events).containsExactly("connected " + version + " ports=4 ready=false", "ready " + version + " ready=true");
    assertThat(sw.channel.pipeline().get(HandshakeHandler.class)).as("handshake leaves when done").isNull();
    SwitchHandle handle = sw.directory.get(DatapathId.of(0xab)).orElseThrow();
    assertThat(handle.port(OFPort.of(3))).isPresent();
  }

  /** Keeping flows: no delete, only the table-miss, except on 1.0 (no cookie masks to reconcile by). */
  @ParameterizedTest
  @EnumSource(value = OFVersion.class, names = {"OF_10", "OF_13", "OF_14", "OF_15"})
  void keepingFlowsSendsNoDeleteExceptOnOpenFlow10(OFVersion version) {
    EmbeddedSwitch keeping = EmbeddedSwitch.keepingFlows();
    List<OFMessage> sent = keeping.handshake(version, DatapathId.of(0xab), 4);

    List<OFMessage> afterFeatures = sent.stream().dropWhile(m -> !(m instanceof OFSetConfig)).toList();
    if (version == OFVersion.OF_10) {
      assertThat(afterFeatures).hasSize(4);
      assertThat(afterFeatures.get(1)).isInstanceOf(OFFlowDelete.class);
    } else {
      assertThat(afterFeatures).hasSize(3).noneMatch(OFFlowDelete.class::isInstance);
      assertThat(afterFeatures.get(1)).isInstanceOfSatisfying(OFFlowAdd.class,
          add -> assertThat(add.getPriority()).isZero());
      assertThat(afterFeatures.get(2)).isInstanceOf(OFBarrierRequest.class);
    }
    assertThat(keeping.directory.get(DatapathId.of(0xab)).orElseThrow().isReady()).isTrue();
  }

  static Stream<Arguments> negotiations() {
    return Stream.of(
        Arguments.of("1.0 hello without bitmap", SwitchMessages.hello(OFVersion.OF_10), OFVersion.OF_10),
        Arguments.of("1.3 hello without bitmap", SwitchMessages.hello(OFVersion.OF_13), OFVersion.OF_13),
        Arguments.of("bitmap 1.0+1.3 in a 1.3 hello", SwitchMessages.hello(OFVersion.OF_13, 1, 4), OFVersion.OF_13),
        Arguments.of("bitmap 1.0+1.4 in a 1.5 hello", SwitchMessages.hello(OFVersion.OF_15, 1, 5), OFVersion.OF_14),
        Arguments.of("bitmap 1.0+1.2 picks 1.0", SwitchMessages.hello(OFVersion.OF_13, 1, 3), OFVersion.OF_10));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("negotiations")
  void highestCommonVersionWins(String name, OFHello theirs, OFVersion expected) {
    sw.received();
    sw.send(theirs);

    assertThat(sw.received()).singleElement().isInstanceOfSatisfying(OFFeaturesRequest.class,
        f -> assertThat(f.getVersion()).isEqualTo(expected));
  }

  @Test
  void helloFromAFutureVersionNegotiatesByItsBitmap() {
    sw.received();
    byte[] hello = SwitchMessages.bytes(SwitchMessages.hello(OFVersion.OF_15, 4, 7));
    hello[0] = 7;
    sw.sendBytes(hello);

    assertThat(sw.received()).singleElement().satisfies(f -> assertThat(f.getVersion()).isEqualTo(OFVersion.OF_13));
  }

  static Stream<Arguments> incompatible() {
    return Stream.of(
        Arguments.of("1.1 hello without bitmap", SwitchMessages.hello(OFVersion.OF_11)),
        Arguments.of("1.2 hello without bitmap", SwitchMessages.hello(OFVersion.OF_12)),
        Arguments.of("bitmap of 1.1 and 1.2 only", SwitchMessages.hello(OFVersion.OF_13, 2, 3)));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("incompatible")
  void noCommonVersionGetsHelloFailedAndIsDisconnected(String name, OFHello theirs) {
    sw.received();
    sw.send(theirs);

    assertThat(sw.received()).singleElement().isInstanceOfSatisfying(OFHelloFailedErrorMsg.class, e -> {
      assertThat(e.getVersion()).isEqualTo(theirs.getVersion());
      assertThat(new String(e.getData().getData(), StandardCharsets.US_ASCII)).contains("no common OpenFlow version");
    });
    assertThat(sw.channel.isOpen()).isFalse();
    assertThat(events).isEmpty();
  }

  @Test
  void switchRejectingTheTableMissEntryIsDisconnected() {
    sw.received();
    sw.send(SwitchMessages.hello(OFVersion.OF_10));
    long featuresXid = sw.received().get(0).getXid();
    sw.send(SwitchMessages.features(OFVersion.OF_10, featuresXid, DatapathId.of(5), SwitchMessages.ports(OFVersion.OF_10, 1)));
    OFMessage tableMiss = sw.received().get(2);
    assertThat(tableMiss).isInstanceOf(OFFlowAdd.class);

    sw.send(SwitchMessages.factory(OFVersion.OF_10).errorMsgs().buildFlowModFailedErrorMsg()
        .setXid(tableMiss.getXid()).setCode(org.projectfloodlight.openflow.protocol.OFFlowModFailedCode.ALL_TABLES_FULL)
        .build());

    assertThat(sw.channel.isOpen()).isFalse();
    assertThat(events).containsExactly("connected OF_10 ports=1 ready=false", "disconnected 00:00:00:00:00:00:00:05");
  }

  @Test
  void switchThatNeverFinishesIsDroppedAtTheTimeout() {
    sw.received();
    sw.send(SwitchMessages.hello(OFVersion.OF_13));

    sw.channel.advanceTimeBy(9, TimeUnit.SECONDS);
    sw.channel.runScheduledPendingTasks();
    assertThat(sw.channel.isOpen()).isTrue();

    sw.channel.advanceTimeBy(2, TimeUnit.SECONDS);
    sw.channel.runScheduledPendingTasks();
    assertThat(sw.channel.isOpen()).isFalse();
  }
}
