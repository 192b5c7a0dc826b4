package io.statewall.firewall.forwarding.fakes;

import io.statewall.controller.app.AppContext;
import io.statewall.controller.app.ListenerResult;
import io.statewall.controller.app.MessageListener;
import io.statewall.controller.app.SwitchListener;
import io.statewall.controller.switches.SwitchHandle;
import io.statewall.controller.switches.SwitchRegistry;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ScheduledExecutorService;
import org.projectfloodlight.openflow.protocol.OFMessage;
import org.projectfloodlight.openflow.types.DatapathId;

/** The controller as apps see it, driven by the test: it dispatches what the test hands it. */
public final class FakeAppContext implements AppContext, SwitchRegistry {

  private record Registered(Class<?> type, int order, int seq, MessageListener<?> listener) {}

  private record Ordered(int order, int seq, SwitchListener listener) {}

  private final List<Registered> messageListeners = new ArrayList<>();
  private final List<Ordered> switchListeners = new ArrayList<>();
  private final Map<DatapathId, SwitchHandle> switches = new LinkedHashMap<>();
  private final FakeScheduler scheduler = new FakeScheduler();
  private int seq;

  @Override
  public <T extends OFMessage> void addMessageListener(Class<T> type, int order,
      MessageListener<T> listener) {
    messageListeners.add(new Registered(type, order, seq++, listener));
    messageListeners.sort(Comparator.comparingInt(Registered::order).thenComparingInt(Registered::seq));
  }

  @Override
  public void addSwitchListener(int order, SwitchListener listener) {
    switchListeners.add(new Ordered(order, seq++, listener));
    switchListeners.sort(Comparator.comparingInt(Ordered::order).thenComparingInt(Ordered::seq));
  }

  @Override
  public SwitchRegistry switches() {
    return this;
  }

  @Override
  public ScheduledExecutorService scheduler() {
    return scheduler;
  }

  public FakeScheduler fakeScheduler() {
    return scheduler;
  }

  /** Connects a switch and tells the switch listeners it is ready. */
  public void connect(SwitchHandle sw) {
    switches.put(sw.id(), sw);
    switchListeners.forEach(l -> l.listener().switchReady(sw));
  }

  public void disconnect(SwitchHandle sw) {
    switches.remove(sw.id());
    switchListeners.forEach(l -> l.listener().switchDisconnected(sw));
  }

  public void portStatus(SwitchHandle sw, org.projectfloodlight.openflow.protocol.OFPortStatus st) {
    switchListeners.forEach(l -> l.listener().portChanged(sw, st));
  }

  /** Hands a message to the listeners for its type, in order, until one says STOP. */
  @SuppressWarnings({"unchecked", "rawtypes"})
  public void dispatch(SwitchHandle sw, OFMessage msg) {
    for (Registered r : List.copyOf(messageListeners)) {
      if (r.type().isInstance(msg)
          && ((MessageListener) r.listener()).receive(sw, msg) == ListenerResult.STOP) {
        return;
      }
    }
  }

  @Override
  public Optional<SwitchHandle> get(DatapathId id) {
    return Optional.ofNullable(switches.get(id));
  }

  @Override
  public Collection<SwitchHandle> ready() {
    return List.copyOf(switches.values());
  }

  @Override
  public Collection<SwitchHandle> all() {
    return List.copyOf(switches.values());
  }
}
