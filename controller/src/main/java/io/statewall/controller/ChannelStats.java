package io.statewall.controller;

import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;

/**
 * What the switch channels refused, dropped and cut off, counted since start: the figures the
 * operator's metrics read (as counters) to see a rogue or broken switch. Thread-safe.
 */
public final class ChannelStats {
  /** Why a connection was refused its datapath id. */
  public enum Refusal {
    /** Another session of that datapath id is live (it answered an echo). */
    LIVE_DUPLICATE,
    /** The datapath id is not on the allow-list. */
    NOT_ALLOWED,
    /** The TLS certificate does not name the datapath id. */
    CERTIFICATE
  }

  /** Which {@link ChannelLimits} bound was hit. */
  public enum Limit {
    PORTS,
    MULTIPART_PARTS,
    PENDING_REQUESTS,
    EARLY_PACKET_INS,
    UNWRITABLE,
    QUEUED_BYTES
  }

  private final Map<Refusal, LongAdder> refused = counters(Refusal.class);
  private final Map<Limit, LongAdder> dropped = counters(Limit.class);
  private final Map<Limit, LongAdder> disconnected = counters(Limit.class);
  private final LongAdder staleReplaced = new LongAdder();
  private final LongAdder earlyDelivered = new LongAdder();

  public void refused(Refusal why) {
    refused.get(why).increment();
  }

  /** Connections refused their datapath id, for this reason. */
  public long refusedCount(Refusal why) {
    return refused.get(why).sum();
  }

  /** Something over a limit was dropped or refused, the connection stays (a packet-out, a port, a request). */
  public void dropped(Limit limit) {
    dropped.get(limit).increment();
  }

  public long droppedCount(Limit limit) {
    return dropped.get(limit).sum();
  }

  /** A connection was closed for going over a limit. */
  public void disconnected(Limit limit) {
    disconnected.get(limit).increment();
  }

  public long disconnectedCount(Limit limit) {
    return disconnected.get(limit).sum();
  }

  /** An old session of a datapath id did not answer its probe and was dropped for a new one. */
  public void staleSessionReplaced() {
    staleReplaced.increment();
  }

  public long staleSessionsReplaced() {
    return staleReplaced.sum();
  }

  /** A packet-in held during the handshake reached the apps once the switch was ready. */
  public void earlyPacketInDelivered() {
    earlyDelivered.increment();
  }

  public long earlyPacketInsDelivered() {
    return earlyDelivered.sum();
  }

  private static <E extends Enum<E>> Map<E, LongAdder> counters(Class<E> type) {
    Map<E, LongAdder> m = new EnumMap<>(type);
    for (E e : type.getEnumConstants()) {
      m.put(e, new LongAdder());
    }
    return m;
  }
}
