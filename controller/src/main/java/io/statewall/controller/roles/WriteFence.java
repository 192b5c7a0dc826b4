package io.statewall.controller.roles;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BiConsumer;
import org.projectfloodlight.openflow.types.DatapathId;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Which switches this controller may change now: those where the switch itself confirmed it MASTER
 * (a role reply at the committed generation). Everywhere else, closed. Thread-safe; read by every
 * switch channel's {@link WriteFenceHandler}, written by the {@link RoleRequester}.
 */
public final class WriteFence {
  private static final Logger LOG = LoggerFactory.getLogger(WriteFence.class);
  private final Map<DatapathId, Long> confirmed = new ConcurrentHashMap<>();
  private final List<BiConsumer<DatapathId, Long>> onOpen = new CopyOnWriteArrayList<>();
  private final AtomicLong fenced = new AtomicLong();

  public boolean mayWrite(DatapathId dpid) {
    return confirmed.containsKey(dpid);
  }

  /** The generation at which the switch confirmed this controller master, if it did. */
  public Optional<Long> masterGeneration(DatapathId dpid) {
    return Optional.ofNullable(confirmed.get(dpid));
  }

  /** How many state-changing messages were held back because this controller was not master. */
  public long fencedWrites() {
    return fenced.get();
  }

  /**
   * Tells {@code listener} each time a switch confirms this controller MASTER (the fence opens), with
   * the generation; on the switch channel's thread, after the fence is open: keep it short.
   */
  public void onOpen(BiConsumer<DatapathId, Long> listener) {
    onOpen.add(listener);
  }

  void open(DatapathId dpid, long generation) {
    confirmed.put(dpid, generation);
    for (BiConsumer<DatapathId, Long> l : onOpen) {
      try {
        l.accept(dpid, generation);
      } catch (RuntimeException e) {
        LOG.warn("switch {}: a listener of the write fence failed: {}", dpid, e.toString());
      }
    }
  }

  void close(DatapathId dpid) {
    confirmed.remove(dpid);
  }

  void countFenced() {
    fenced.incrementAndGet();
  }
}
