package io.statewall.topology;

import java.util.ArrayDeque;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import io.statewall.controller.logging.RateLimitedLog;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Delivers topology events in the order they were queued, one at a time, on whichever thread
 * queued them, without holding any topology lock (so listeners may call back into topology).
 */
final class EventDispatcher {

  private static final Logger LOG = LoggerFactory.getLogger(EventDispatcher.class);
  /** Hosts come and go at a peer's will: a listener failing on each must not write a line each. */
  private final RateLimitedLog failureLog = RateLimitedLog.error(LOG);

  private final List<TopologyListener> listeners = new CopyOnWriteArrayList<>();
  private final ArrayDeque<TopologyEvent> queue = new ArrayDeque<>();
  private boolean draining;

  void addListener(TopologyListener listener) {
    listeners.add(listener);
  }

  /** Queues events; call while holding the lock that made them, so order follows state. */
  synchronized void enqueue(Collection<? extends TopologyEvent> events) {
    queue.addAll(events);
  }

  /** Delivers queued events; call without holding the topology lock. */
  void drain() {
    synchronized (this) {
      if (draining) {
        return; // the thread already draining delivers ours too, in order
      }
      draining = true;
    }
    while (true) {
      TopologyEvent event;
      synchronized (this) {
        event = queue.poll();
        if (event == null) {
          draining = false;
          return;
        }
      }
      for (TopologyListener l : listeners) {
        try {
          l.topologyChanged(event);
        } catch (RuntimeException e) {
          // one broken listener must not starve the others of events
          failureLog.log("topology listener {} failed on {}", l, event, e);
        }
      }
    }
  }
}
