package io.statewall.controller.app;

import io.statewall.controller.ChannelStats;
import io.statewall.controller.switches.SwitchHandle;
import io.statewall.controller.switches.SwitchRegistry;
import java.util.concurrent.ScheduledExecutorService;
import org.projectfloodlight.openflow.protocol.OFMessage;

/** The {@link AppContext} one app gets: its registrations carry its name into the logs. */
public final class ControllerAppContext implements AppContext {
  private final String appName;
  private final ListenerDispatcher dispatcher;
  private final SwitchRegistry switches;
  private final ScheduledExecutorService scheduler;
  private final ChannelStats channelStats;

  public ControllerAppContext(
      String appName, ListenerDispatcher dispatcher, SwitchRegistry switches, ScheduledExecutorService scheduler) {
    this(appName, dispatcher, switches, scheduler, new ChannelStats());
  }

  public ControllerAppContext(String appName, ListenerDispatcher dispatcher, SwitchRegistry switches,
      ScheduledExecutorService scheduler, ChannelStats channelStats) {
    this.channelStats = channelStats;
    this.appName = appName;
    this.dispatcher = dispatcher;
    this.switches = switches;
    this.scheduler = scheduler;
  }

  @Override
  public <T extends OFMessage> void addMessageListener(Class<T> type, int order, MessageListener<T> listener) {
    dispatcher.addMessageListener(appName, type, order, listener);
  }

  @Override
  public void addSwitchListener(int order, SwitchListener listener) {
    dispatcher.addSwitchListener(appName, order, listener);
  }

  @Override
  public SwitchRegistry switches() {
    return switches;
  }

  @Override
  public ScheduledExecutorService scheduler() {
    return scheduler;
  }

  @Override
  public void dispatch(SwitchHandle sw, OFMessage message) {
    dispatcher.dispatch(sw, message);
  }

  @Override
  public ChannelStats channelStats() {
    return channelStats;
  }
}
