package io.statewall.cluster.replication;

import java.util.List;
import java.util.Objects;

/**
 * What an owner sends: its changes in order, numbered by a sequence per sender (no gaps: a follower that
 * sees one asks for a resend). A reset batch says "forget what you hold of me; my whole table follows
 * from the next sequence number on" (a follower too far behind, or one that just joined). The
 * incarnation is drawn at random when the owner's replicator starts: a restarted owner numbers from 1
 * again, and its followers must not take that for old batches.
 */
public record Batch(String owner, long incarnation, long seq, long sentAtMillis, boolean reset,
    List<Change> changes) {
  public Batch {
    Objects.requireNonNull(owner, "owner");
    changes = List.copyOf(changes);
  }
}
