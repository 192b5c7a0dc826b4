package io.statewall.controller.app;

import static org.assertj.core.api.Assertions.assertThat;

import io.statewall.controller.switches.SwitchHandle;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.projectfloodlight.openflow.protocol.OFEchoRequest;
import org.projectfloodlight.openflow.protocol.OFFactories;
import org.projectfloodlight.openflow.protocol.OFFactory;
import org.projectfloodlight.openflow.protocol.OFFlowRemoved;
import org.projectfloodlight.openflow.protocol.OFMessage;
import org.projectfloodlight.openflow.protocol.OFPacketIn;
import org.projectfloodlight.openflow.protocol.OFPacketInReason;
import org.projectfloodlight.openflow.protocol.OFVersion;

class ListenerDispatcherTest {
  private static final OFFactory F = OFFactories.getFactory(OFVersion.OF_13);
  private static final OFPacketIn PACKET_IN =
      F.buildPacketIn().setReason(OFPacketInReason.NO_MATCH).setData(new byte[0]).build();
  private static final SwitchHandle NO_SWITCH = null; // listeners here never look at the switch

  private final ListenerDispatcher dispatcher = new ListenerDispatcher();
  private final List<String> calls = new ArrayList<>();

  private MessageListener<OFPacketIn> record(String name, ListenerResult result) {
    return (sw, m) -> {
      calls.add(name);
      return result;
    };
  }

  @Test
  void lowerOrderRunsFirstAndEqualOrdersRunInRegistrationOrder() {
    dispatcher.addMessageListener("a", OFPacketIn.class, 20, record("twenty", ListenerResult.CONTINUE));
    dispatcher.addMessageListener("a", OFPacketIn.class, 10, record("ten-first", ListenerResult.CONTINUE));
    dispatcher.addMessageListener("b", OFPacketIn.class, 10, record("ten-second", ListenerResult.CONTINUE));
    dispatcher.addMessageListener("b", OFPacketIn.class, -5, record("minus-five", ListenerResult.CONTINUE));

    dispatcher.dispatch(NO_SWITCH, PACKET_IN);

    assertThat(calls).containsExactly("minus-five", "ten-first", "ten-second", "twenty");
  }

  @Test
  void stopEndsDispatchForThatMessage() {
    dispatcher.addMessageListener("a", OFPacketIn.class, 1, record("first", ListenerResult.CONTINUE));
    dispatcher.addMessageListener("a", OFPacketIn.class, 2, record("stopper", ListenerResult.STOP));
    dispatcher.addMessageListener("a", OFPacketIn.class, 3, record("never", ListenerResult.CONTINUE));

    dispatcher.dispatch(NO_SWITCH, PACKET_IN);
    dispatcher.dispatch(NO_SWITCH, PACKET_IN);

    assertThat(calls).containsExactly("first", "stopper", "first", "stopper");
  }

  @Test
  void throwingListenerIsCountedAndTheNextStillRuns() {
    dispatcher.addMessageListener("a", OFPacketIn.class, 1, (sw, m) -> {
      throw new IllegalStateException("boom");
    });
    dispatcher.addMessageListener("b", OFPacketIn.class, 2, record("after", ListenerResult.CONTINUE));

    dispatcher.dispatch(NO_SWITCH, PACKET_IN);
    dispatcher.dispatch(NO_SWITCH, PACKET_IN);

    assertThat(calls).containsExactly("after", "after");
    assertThat(dispatcher.failures()).isEqualTo(2);
  }

  @Test
  void listenersOnlySeeTheirTypeAndSupertypesSeeEverything() {
    List<OFMessage> all = new ArrayList<>();
    dispatcher.addMessageListener("a", OFFlowRemoved.class, 1, (sw, m) -> {
      calls.add("flow-removed");
      return ListenerResult.CONTINUE;
    });
    dispatcher.addMessageListener("a", OFMessage.class, 2, (sw, m) -> {
      all.add(m);
      return ListenerResult.CONTINUE;
    });
    OFEchoRequest echo = F.buildEchoRequest().build();

    dispatcher.dispatch(NO_SWITCH, PACKET_IN);
    dispatcher.dispatch(NO_SWITCH, echo);

    assertThat(calls).isEmpty();
    assertThat(all).containsExactly(PACKET_IN, echo);
  }

  @Test
  void listenerAddedLaterIsSeenByTheNextDispatch() {
    dispatcher.addMessageListener("a", OFPacketIn.class, 5, record("early", ListenerResult.CONTINUE));
    dispatcher.dispatch(NO_SWITCH, PACKET_IN);
    dispatcher.addMessageListener("a", OFPacketIn.class, 1, record("late", ListenerResult.CONTINUE));

    dispatcher.dispatch(NO_SWITCH, PACKET_IN);

    assertThat(calls).containsExactly("early", "late", "early");
  }

  @Test
  void throwingSwitchListenerDoesNotStopTheOthers() {
    dispatcher.addSwitchListener("a", 1, new SwitchListener() {
      @Override
      public void switchReady(SwitchHandle sw) {
        throw new IllegalStateException("boom");
      }
    });
    dispatcher.addSwitchListener("b", 2, new SwitchListener() {
      @Override
      public void switchReady(SwitchHandle sw) {
        calls.add("ready");
      }
    });

    dispatcher.switchReady(NO_SWITCH);

    assertThat(calls).containsExactly("ready");
    assertThat(dispatcher.failures()).isEqualTo(1);
  }
}
