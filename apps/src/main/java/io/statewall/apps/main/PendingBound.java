package io.statewall.apps.main;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/**
 * How many messages of each kind wait in a queue, bounded: past the bound one is refused and counted, so
 * that a queue whose consumer stalls (a peer that stopped reading, a send held by flow control) cannot grow
 * memory without limit. Thread-safe; {@link #tryAdd} before queueing, {@link #removed} when taken out.
 */
final class PendingBound {
  private final int max;
  private final AtomicInteger[] waiting;
  private final LongAdder[] refused;

  /** {@code kinds}: kinds are 1 to kinds; {@code max}: how many of one kind may wait. */
  PendingBound(int kinds, int max) {
    this.max = max;
    waiting = new AtomicInteger[kinds + 1];
    refused = new LongAdder[kinds + 1];
    for (int k = 0; k <= kinds; k++) {
      waiting[k] = new AtomicInteger();
      refused[k] = new LongAdder();
    }
  }

  /** Whether one more of {@code kind} may wait (it is then counted as waiting); false counts a refusal. */
  boolean tryAdd(int kind) {
    if (waiting[kind].incrementAndGet() > max) {
      waiting[kind].decrementAndGet();
      refused[kind].increment();
      return false;
    }
    return true;
  }

  void removed(int kind) {
    waiting[kind].decrementAndGet();
  }

  int waiting(int kind) {
    return waiting[kind].get();
  }

  /** Messages of {@code kind} refused since start. */
  long refused(int kind) {
    return refused[kind].sum();
  }
}
