package io.statewall.controller.app;

import io.statewall.controller.logging.RateLimitedLog;
import io.statewall.controller.switches.SwitchHandle;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;
import org.projectfloodlight.openflow.protocol.OFMessage;
import org.projectfloodlight.openflow.protocol.OFPortStatus;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Delivers messages and switch lifecycle events to the apps' listeners: lowest order first, equal orders
 * in registration order, until one returns STOP. A listener that throws is logged and counted, and the
 * next one still runs. Calls happen on the switch's event-loop thread.
 */
public final class ListenerDispatcher {
  private static final Logger LOG = LoggerFactory.getLogger(ListenerDispatcher.class);

  private record MessageEntry<T extends OFMessage>(
      String owner, Class<T> type, int order, long seq, MessageListener<T> listener) {
    ListenerResult deliver(SwitchHandle sw, OFMessage message) {
      return listener.receive(sw, type.cast(message));
    }
  }

  private record SwitchEntry(String owner, int order, long seq, SwitchListener listener) {}

  /** Listeners at one moment; each registration swaps in a new one, so dispatch never locks. */
  private record Snapshot(
      List<MessageEntry<?>> messages,
      List<SwitchEntry> switches,
      ConcurrentHashMap<Class<?>, List<MessageEntry<?>>> byMessageClass) {}

  private volatile Snapshot snapshot = new Snapshot(List.of(), List.of(), new ConcurrentHashMap<>());
  private long nextSeq;
  private final LongAdder failures = new LongAdder();
  /** A packet that trips a listener's bug can be sent again and again: one line per window. */
  private final RateLimitedLog failureLog = RateLimitedLog.error(LOG);

  public synchronized <T extends OFMessage> void addMessageListener(
      String owner, Class<T> type, int order, MessageListener<T> listener) {
    List<MessageEntry<?>> messages = new ArrayList<>(snapshot.messages());
    messages.add(new MessageEntry<>(owner, type, order, nextSeq++, listener));
    messages.sort(Comparator.comparingInt(MessageEntry<?>::order).thenComparingLong(MessageEntry::seq));
    snapshot = new Snapshot(List.copyOf(messages), snapshot.switches(), new ConcurrentHashMap<>());
  }

  public synchronized void addSwitchListener(String owner, int order, SwitchListener listener) {
    List<SwitchEntry> switches = new ArrayList<>(snapshot.switches());
    switches.add(new SwitchEntry(owner, order, nextSeq++, listener));
    switches.sort(Comparator.comparingInt(SwitchEntry::order).thenComparingLong(SwitchEntry::seq));
    snapshot = new Snapshot(snapshot.messages(), List.copyOf(switches), new ConcurrentHashMap<>());
  }

  /** Offers the message to each listener registered for its type, in order, until one says STOP. */
  public void dispatch(SwitchHandle sw, OFMessage message) {
    Snapshot current = snapshot;
    List<MessageEntry<?>> entries =
        current.byMessageClass().computeIfAbsent(
            message.getClass(),
            c -> current.messages().stream().filter(e -> e.type().isAssignableFrom(c)).toList());
    for (MessageEntry<?> entry : entries) {
      ListenerResult result;
      try {
        result = entry.deliver(sw, message);
      } catch (RuntimeException | LinkageError e) {
        failed(entry.owner(), message.getType() + " listener", sw, e);
        continue;
      }
      if (result == ListenerResult.STOP) {
        return;
      }
    }
  }

  public void switchConnected(SwitchHandle sw) {
    eachSwitchListener(sw, "switchConnected", l -> l.switchConnected(sw));
  }

  public void switchReady(SwitchHandle sw) {
    eachSwitchListener(sw, "switchReady", l -> l.switchReady(sw));
  }

  public void portChanged(SwitchHandle sw, OFPortStatus status) {
    eachSwitchListener(sw, "portChanged", l -> l.portChanged(sw, status));
  }

  public void switchDisconnected(SwitchHandle sw) {
    eachSwitchListener(sw, "switchDisconnected", l -> l.switchDisconnected(sw));
  }

  /** How many listener calls have thrown since start. */
  public long failures() {
    return failures.sum();
  }

  private void eachSwitchListener(SwitchHandle sw, String event, Consumer<SwitchListener> call) {
    for (SwitchEntry entry : snapshot.switches()) {
      try {
        call.accept(entry.listener());
      } catch (RuntimeException | LinkageError e) {
        failed(entry.owner(), event, sw, e);
      }
    }
  }

  private void failed(String owner, String what, SwitchHandle sw, Throwable e) {
    failures.increment();
    failureLog.log("app {}: {} threw on switch {} (failure #{})", owner, what, sw, failures.sum(), e);
  }
}
