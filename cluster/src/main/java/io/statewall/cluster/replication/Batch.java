package io.statewall.cluster.replication;

import java.util.List;
import java.util.Objects;

/**
 * What an owner sends: its changes in order, numbered by a sequence per sender (no gaps: a follower that
 * sees one asks for a resend). A reset batch says "forget what you hold of me; my whole table follows
 * from the next sequence number on" (a follower too far behind, or one that just joined). The
 * incarnation is drawn at random when the owner's replicator starts: a restarted owner numbers from 1
 * again, and its followers must not take that for old batches. {@code resetEnd} marks the last batch of
 * a reset's dump (the reset batch itself when the dump fits in one): a follower that applied it holds
 * the owner's whole table, which is what a joining member waits for before it is ready.
 */
public record Batch(String owner, long incarnation, long seq, long sentAtMillis, boolean reset, boolean resetEnd,
    List<Change> changes) {
  public Batch {
    Objects.requireNonNull(owner, "owner");
    changes = List.copyOf(changes);
  }

  /** A batch that does not end a reset's dump. */
  public Batch(String owner, long incarnation, long seq, long sentAtMillis, boolean reset, List<Change> changes) {
    this(owner, incarnation, seq, sentAtMillis, reset, false, changes);
  }
}
