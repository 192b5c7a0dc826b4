package io.statewall.controller.app;

import io.statewall.controller.switches.SwitchHandle;
import org.projectfloodlight.openflow.protocol.OFMessage;

/** Receives one kind of OpenFlow message from switches, in the order listeners were registered. */
@FunctionalInterface
public interface MessageListener<T extends OFMessage> {
  ListenerResult receive(SwitchHandle sw, T message);
}
