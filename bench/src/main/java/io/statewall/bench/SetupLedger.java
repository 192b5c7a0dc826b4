package io.statewall.bench;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * The connections in flight across all emulated switches, matched against what the controller
 * sends back, with the counts and latencies of those that completed. Thread-safe.
 */
final class SetupLedger {
  private static final long MAX_TRACKABLE_NANOS = TimeUnit.SECONDS.toNanos(60);

  private final ConcurrentHashMap<FiveTuple, PendingSetup> pending = new ConcurrentHashMap<>();
  private final int required;
  private final Recorder latency = new Recorder(MAX_TRACKABLE_NANOS, 3);
  private final LongAdder completed = new LongAdder();
  private final LongAdder denied = new LongAdder();
  private final LongAdder timedOut = new LongAdder();
  private final LongAdder probesCompleted = new LongAdder();
  private volatile boolean recording;

  SetupLedger(FlowExpectation expectation) {
    this.required = switch (expectation) {
      case NONE -> PendingSetup.PACKET_OUT;
      case INGRESS -> PendingSetup.PACKET_OUT | PendingSetup.INGRESS_FLOW;
      case PATH, HANDSHAKE -> PendingSetup.PACKET_OUT | PendingSetup.INGRESS_FLOW | PendingSetup.EGRESS_FLOW;
    };
  }

  PendingSetup open(PendingSetup.Sent sent, PendingSetup.Owner owner, long nowNanos) {
    // a path of one switch has no egress switch apart from its ingress
    int parts = sent.ingress() == sent.egress() ? required & ~PendingSetup.EGRESS_FLOW : required;
    PendingSetup p = new PendingSetup(sent, owner, nowNanos, parts);
    pending.put(sent.key(), p);
    return p;
  }

  /** Whether a connection with this original tuple is waiting to be set up. */
  boolean isPending(FiveTuple key) {
    return pending.containsKey(key);
  }

  void onPacketOut(FiveTuple key, long nowNanos) {
    PendingSetup p = pending.get(key);
    if (p != null && p.arrive(PendingSetup.PACKET_OUT)) {
      complete(p, nowNanos, false);
    }
  }

  /** A flow-mod for {@code key} reached switch {@code at}; {@code drops} when it outputs nowhere. */
  void onFlowMod(FiveTuple key, int at, boolean drops, long nowNanos) {
    PendingSetup p = pending.get(key);
    if (p == null) {
      return;
    }
    if (drops && at == p.ingress) {
      if (p.settle()) {
        complete(p, nowNanos, true);
      }
      return;
    }
    int part = at == p.ingress ? PendingSetup.INGRESS_FLOW
        : at == p.egress ? PendingSetup.EGRESS_FLOW : 0;
    if (part != 0 && p.arrive(part)) {
      complete(p, nowNanos, false);
    }
  }

  /** Gives up on a setup that took too long; true if it was still open. */
  boolean expire(PendingSetup p) {
    if (!p.settle()) {
      return false;
    }
    pending.remove(p.key, p);
    if (!p.probe) {
      timedOut.increment();
    }
    return true;
  }

  private void complete(PendingSetup p, long nowNanos, boolean wasDenied) {
    pending.remove(p.key, p);
    if (p.probe) {
      probesCompleted.increment();
    } else {
      if (recording) {
        completed.increment();
        if (wasDenied) {
          denied.increment();
        }
        latency.recordValue(Math.min(Math.max(0, nowNanos - p.sentNanos), MAX_TRACKABLE_NANOS));
      }
    }
    p.owner.settled(p);
  }

  /** Starts counting from zero: what warm-up did is forgotten. */
  void startRecording() {
    completed.reset();
    denied.reset();
    timedOut.reset();
    latency.reset();
    recording = true;
  }

  void stopRecording() {
    recording = false;
  }

  /** The latencies recorded since the last call (the recorder's interval). */
  Histogram takeInterval() {
    return latency.getIntervalHistogram();
  }

  long completed() {
    return completed.sum();
  }

  long denied() {
    return denied.sum();
  }

  long timedOut() {
    return timedOut.sum();
  }

  long probesCompleted() {
    return probesCompleted.sum();
  }

  int outstanding() {
    return pending.size();
  }
}
