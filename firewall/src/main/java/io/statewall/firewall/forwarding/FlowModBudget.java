package io.statewall.firewall.forwarding;

import io.statewall.firewall.guard.TokenBucket;
import java.util.List;
import java.util.Map;
import java.util.function.ToIntFunction;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongSupplier;
import org.projectfloodlight.openflow.types.DatapathId;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Flow-mods per second per switch, by kind: teardown traps and entries of established connections
 * are admitted while the switch has tokens left, drop entries only from the upper {@link
 * FlowModLimits#dropShare()} of its bucket. Deletes and moves of live connections are never refused (they remove what a policy no longer accepts) but are
 * charged. A refused entry changes no verdict: a dropped packet is still dropped, and the next
 * packet of a connection comes back to the controller.
 *
 * <p>After a switch says its table is full, it gets no drop entries for a while, and connection
 * entries only as a probe, one connection a second: without that every packet of a connection
 * that runs through the controller would send another doomed flow-mod.
 */
public final class FlowModBudget {
  private static final Logger log = LoggerFactory.getLogger(FlowModBudget.class);

  /** What an entry is for, in order of preference when flow-mods run short. */
  public enum Kind {
    /**
     * The teardown traps of a connection being offloaded: first call on the tokens (none held back),
     * so that a connection whose entries get in has its traps in too.
     */
    TRAPS,
    /** The entries of an established connection, admitted only while the traps' share is left over. */
    CONNECTION,
    /** An exact drop entry: only from the upper {@link FlowModLimits#dropShare()} of the bucket. */
    DROP
  }

  /**
   * Tokens a connection's entries leave for its traps (one per direction: two where both directions
   * enter at one switch), so that entries get in where the traps that went just before them did.
   */
  static final int TRAP_RESERVE = 2;

  private final FlowModLimits limits;
  private final LongSupplier nanoClock;
  private final Map<DatapathId, TokenBucket> buckets = new ConcurrentHashMap<>();
  /** Until when (nanoClock) a switch gets no drop entries, after TABLE_FULL. */
  private final Map<DatapathId, Long> tableFullUntil = new ConcurrentHashMap<>();
  /** When (nanoClock) a switch backing off last got a connection's entries as a probe. */
  private final Map<DatapathId, Long> lastProbe = new ConcurrentHashMap<>();
  private final LongAdder skippedDrops = new LongAdder();
  private final LongAdder skippedConnections = new LongAdder();
  private final LongAdder tableFullErrors = new LongAdder();

  public FlowModBudget(FlowModLimits limits, LongSupplier nanoClock) {
    this.limits = limits;
    this.nanoClock = nanoClock;
  }

  /** Default limits on the system clock. */
  public static FlowModBudget defaults() {
    return new FlowModBudget(FlowModLimits.DEFAULTS, System::nanoTime);
  }

  public FlowModLimits limits() {
    return limits;
  }

  /**
   * Takes {@code counts.get(sw)} tokens from every switch in {@code counts} for entries of {@code
   * kind}, all or none (a connection with entries on only part of its path helps nobody).
   *
   * <p>No lock is shared between switches: the buckets are taken one by one and given back if a
   * later one is short, so decisions on several event loops do not queue behind one monitor. Two
   * connections racing for a switch's last tokens may both be refused where one would have got in;
   * a refused entry changes no verdict.
   */
  public boolean admit(Kind kind, Map<DatapathId, Integer> counts) {
    return admitEach(kind, counts, Integer::intValue);
  }

  /**
   * {@link #admit(Kind, Map)} of each switch's batch: as many tokens as it has messages (the install
   * path asks with the batches it is about to write, not with a map of their sizes).
   */
  public boolean admitBatches(Kind kind, Map<DatapathId, ? extends List<?>> batches) {
    return admitEach(kind, batches, List::size);
  }

  private <V> boolean admitEach(Kind kind, Map<DatapathId, V> counts, ToIntFunction<? super V> tokens) {
    long now = nanoClock.getAsLong();
    double keep = keep(kind);
    int taken = 0;
    for (Map.Entry<DatapathId, V> c : counts.entrySet()) {
      if (!take(kind, c.getKey(), tokens.applyAsInt(c.getValue()), keep, now)) {
        giveBack(counts, tokens, taken, now);
        (kind == Kind.DROP ? skippedDrops : skippedConnections).increment();
        return false;
      }
      taken++;
    }
    if (kind == Kind.CONNECTION) {
      for (DatapathId sw : counts.keySet()) {
        probed(sw, now);
      }
    }
    return true;
  }

  /** Takes {@code n} tokens from {@code sw} unless it is backing off (and no probe is due) or short of them. */
  private boolean take(Kind kind, DatapathId sw, int n, double keep, long now) {
    boolean held = backingOff(sw, now) && (kind != Kind.CONNECTION || !probeDue(sw, now));
    return !held && bucket(sw, now).tryTake(now, n, keep);
  }

  private void probed(DatapathId sw, long now) {
    if (backingOff(sw, now)) {
      lastProbe.put(sw, now);
    }
  }

  /** Returns the tokens taken from the first {@code taken} switches of {@code counts}. */
  private <V> void giveBack(Map<DatapathId, V> counts, ToIntFunction<? super V> tokens, int taken, long now) {
    int i = 0;
    for (Map.Entry<DatapathId, V> c : counts.entrySet()) {
      if (i++ == taken) {
        return;
      }
      bucket(c.getKey(), now).give(now, tokens.applyAsInt(c.getValue()));
    }
  }

  /** {@link #admit(Kind, Map)} for one switch. */
  public boolean admit(Kind kind, DatapathId sw, int n) {
    long now = nanoClock.getAsLong();
    if (!take(kind, sw, n, keep(kind), now)) {
      (kind == Kind.DROP ? skippedDrops : skippedConnections).increment();
      return false;
    }
    if (kind == Kind.CONNECTION) {
      probed(sw, now);
    }
    return true;
  }

  /** Counts flow-mods that are sent whatever the budget says (deletes, reroutes of live connections). */
  public void charge(DatapathId sw, int n) {
    long now = nanoClock.getAsLong();
    bucket(sw, now).charge(now, n);
  }

  /** The switch refused an entry because its table is full: no drop entries for a while. */
  public void tableFull(DatapathId sw) {
    tableFullErrors.increment();
    long until = nanoClock.getAsLong() + limits.tableFullBackoffSeconds() * 1_000_000_000L;
    Long before = tableFullUntil.put(sw, until);
    if (before == null || before - nanoClock.getAsLong() < 0) {
      log.warn("switch {} says its flow table is full: no drop entries for {} s ({} table-full errors so far)",
          sw, limits.tableFullBackoffSeconds(), tableFullErrors.sum());
    }
  }

  public void forget(DatapathId sw) {
    buckets.remove(sw);
    tableFullUntil.remove(sw);
    lastProbe.remove(sw);
  }

  /** Whether {@code sw} said lately that its table is full (its FIN/RST traps wait too). */
  public boolean tableFullLately(DatapathId sw) {
    return backingOff(sw, nanoClock.getAsLong());
  }

  /** Drop entries not written (the packets were still dropped). */
  public long skippedDrops() {
    return skippedDrops.sum();
  }

  /** Connection entries and traps not written (their packets kept coming to the controller). */
  public long skippedConnections() {
    return skippedConnections.sum();
  }

  /** TABLE_FULL errors switches sent back. */
  public long tableFullErrors() {
    return tableFullErrors.sum();
  }

  private boolean backingOff(DatapathId sw, long now) {
    Long until = tableFullUntil.get(sw);
    return until != null && until - now > 0;
  }

  private boolean probeDue(DatapathId sw, long now) {
    Long last = lastProbe.get(sw);
    return last == null || now - last >= 1_000_000_000L;
  }

  private double keep(Kind kind) {
    return switch (kind) {
      case TRAPS -> 0;
      case CONNECTION -> TRAP_RESERVE;
      case DROP -> Math.max(TRAP_RESERVE, (1 - limits.dropShare()) * limits.burst());
    };
  }

  private TokenBucket bucket(DatapathId sw, long now) {
    TokenBucket b = buckets.get(sw); // before computeIfAbsent: its lambda, capturing now, was made on every call
    return b != null ? b : buckets.computeIfAbsent(sw, k -> new TokenBucket(limits.rate(), limits.burst(), now));
  }
}
