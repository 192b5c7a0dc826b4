package io.statewall.controller.roles;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BiConsumer;
import org.projectfloodlight.openflow.protocol.OFMessage;
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
  private volatile Relay relay = (dpid, message) -> false;

  /**
   * What may take a write held back from a switch this controller does not master: a cluster member
   * hands a connection's entries to that switch's master, which writes them under its own epoch. On the
   * switch channel's thread: it must not block. True if it took the message (then it is not counted as
   * held back, and the write's promise succeeds).
   */
  @FunctionalInterface
  public interface Relay {
    boolean relay(DatapathId dpid, OFMessage message);
  }

  /** Sets the one relay (by default none takes anything). */
  public void relayTo(Relay relay) {
    this.relay = java.util.Objects.requireNonNull(relay);
  }

  private final ThreadLocal<Boolean> admittingRelayed = ThreadLocal.withInitial(() -> false);

  /**
   * Runs {@code work} (handing a packet-in to the apps) with packet-ins of switches this controller does
   * not master let through on this thread: another cluster member, master of that switch, relayed it
   * for a connection this one owns. Everything else from a switch not mastered here is dropped.
   */
  public void admittingRelayed(Runnable work) {
    admittingRelayed.set(true);
    try {
      work.run();
    } finally {
      admittingRelayed.set(false);
    }
  }

  /** Whether this thread is handing over a relayed packet-in ({@link #admittingRelayed}). */
  public boolean admitsRelayed() {
    return admittingRelayed.get();
  }

  /** Offers a held-back write to the relay; false if it did not take it (or failed). */
  boolean relay(DatapathId dpid, OFMessage message) {
    try {
      return relay.relay(dpid, message);
    } catch (RuntimeException e) {
      LOG.warn("switch {}: relaying a held-back {} failed: {}", dpid, message.getType(), e.toString());
      return false;
    }
  }

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
