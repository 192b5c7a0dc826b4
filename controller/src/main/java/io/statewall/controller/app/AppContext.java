package io.statewall.controller.app;

import io.statewall.controller.ChannelStats;
import io.statewall.controller.switches.SwitchHandle;
import io.statewall.controller.switches.SwitchRegistry;
import java.util.concurrent.ScheduledExecutorService;
import org.projectfloodlight.openflow.protocol.OFMessage;

/** What an app sees of the controller: listener registration, the switches, a timer. */
public interface AppContext {
  /**
   * Registers a listener for messages of {@code type} (OFPacketIn, OFFlowRemoved, OFErrorMsg, ...).
   * Lower {@code order} runs first; equal orders run in registration order.
   */
  <T extends OFMessage> void addMessageListener(Class<T> type, int order, MessageListener<T> listener);

  void addSwitchListener(int order, SwitchListener listener);

  SwitchRegistry switches();

  /** A single-threaded scheduler for periodic work (LLDP, expiry); never blocks the channels. */
  ScheduledExecutorService scheduler();

  /**
   * What the switch channels refused, dropped and disconnected (rogue or broken switches), for
   * metrics. Fakes without channels get empty figures.
   */
  default ChannelStats channelStats() {
    return new ChannelStats();
  }

  /**
   * Hands {@code message} to every listener as if {@code sw} had sent it (a cluster member serving a
   * packet-in that another member's switch sent it for a connection this member owns).
   */
  default void dispatch(SwitchHandle sw, OFMessage message) {
    throw new UnsupportedOperationException("this context dispatches nothing");
  }
}
