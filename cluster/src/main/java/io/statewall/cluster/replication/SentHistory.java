package io.statewall.cluster.replication;

import java.util.Arrays;

/**
 * An owner's sent batches, kept for resending, in byte chunks that are reused: the newest {@code maxBatches}
 * of them, at most {@code maxBytes} in all, the oldest going first.
 *
 * <p>Why not a map of the encoded arrays: every batch then lived as long as the history held it (4,096 batches,
 * about 60 MB and ten seconds at 25,000 connections a second), long enough to be copied out of the young
 * generation and to die in the old one, whose filling then set off full collections (a second-long one on an
 * owner, `-Xlog:gc`, session 15). Here a batch's bytes are copied into a chunk allocated once and written over
 * when the ring comes round, so keeping a batch leaves nothing for the collector. Chunks are allocated as the
 * ring first reaches them, so a quiet member holds only what it used.
 *
 * <p>Batches are numbered consecutively ({@link #add} takes the next number); one longer than a chunk is
 * counted but not held (a resend request for it is answered with a reset, as for one that went past the
 * bound). Not thread-safe: the replicator calls it under its send lock.
 */
final class SentHistory {
  static final int CHUNK_BYTES = 1 << 20;

  private final int maxBatches;
  private final byte[][] chunks;
  /** Per batch number modulo {@code maxBatches}: its logical byte position, or -1 when not held. */
  private final long[] positions;
  private final int[] lengths;
  /** The oldest held batch number and the next to be added; {@code first == next} when empty. */
  private long first = 1;
  private long next = 1;
  /** Logical position of the next write (chunk = position / CHUNK_BYTES modulo the chunk count). */
  private long writeAt;

  SentHistory(int maxBatches, long maxBytes) {
    if (maxBatches < 1 || maxBytes < CHUNK_BYTES) {
      throw new IllegalArgumentException("history of " + maxBatches + " batches in " + maxBytes + " bytes");
    }
    this.maxBatches = maxBatches;
    this.chunks = new byte[(int) Math.min(Integer.MAX_VALUE - 8, maxBytes / CHUNK_BYTES)][];
    this.positions = new long[maxBatches];
    this.lengths = new int[maxBatches];
    Arrays.fill(positions, -1);
  }

  /**
   * Keeps batch {@code seq}'s bytes. Batch numbers must follow one another; a number that does not (the
   * first after a gap, or after a restart of the numbering) forgets what was held before it.
   */
  void add(long seq, byte[] bytes) {
    if (seq != next || first == next) {
      clear(seq);
    }
    if (next - first == maxBatches) {
      evictOldest();
    }
    int slot = slot(seq);
    next = seq + 1;
    int len = bytes.length;
    if (len > CHUNK_BYTES) {
      positions[slot] = -1;
      return;
    }
    long at = writeAt;
    if (at % CHUNK_BYTES + len > CHUNK_BYTES) { // never across a chunk's end
      at += CHUNK_BYTES - at % CHUNK_BYTES;
    }
    long end = at + len;
    long capacity = (long) chunks.length * CHUNK_BYTES;
    while (first < seq) { // what the write comes round onto goes (positions rise with the numbers)
      long p = positions[slot(first)];
      if (p >= 0 && p >= end - capacity) {
        break;
      }
      evictOldest();
    }
    int c = (int) ((at / CHUNK_BYTES) % chunks.length);
    if (chunks[c] == null) {
      chunks[c] = new byte[CHUNK_BYTES];
    }
    System.arraycopy(bytes, 0, chunks[c], (int) (at % CHUNK_BYTES), len);
    positions[slot] = at;
    lengths[slot] = len;
    writeAt = end;
  }

  /** A copy of batch {@code seq}'s bytes, or null when it is not held (never kept, or gone past the bound). */
  byte[] get(long seq) {
    if (seq < first || seq >= next) {
      return null;
    }
    int slot = slot(seq);
    long at = positions[slot];
    if (at < 0) {
      return null;
    }
    byte[] chunk = chunks[(int) ((at / CHUNK_BYTES) % chunks.length)];
    int from = (int) (at % CHUNK_BYTES);
    return Arrays.copyOfRange(chunk, from, from + lengths[slot]);
  }

  /** How many batches are held (numbered, and not gone past the bound). */
  int size() {
    int n = 0;
    for (long s = first; s < next; s++) {
      if (positions[slot(s)] >= 0) {
        n++;
      }
    }
    return n;
  }

  /** The bytes the chunks allocated so far take (what the ring costs this member now). */
  long allocatedBytes() {
    long n = 0;
    for (byte[] c : chunks) {
      if (c != null) {
        n += c.length;
      }
    }
    return n;
  }

  private void evictOldest() {
    positions[slot(first)] = -1;
    first++;
  }

  private void clear(long seq) {
    for (long s = first; s < next; s++) {
      positions[slot(s)] = -1;
    }
    first = seq;
    next = seq;
  }

  private int slot(long seq) {
    return (int) Math.floorMod(seq, (long) maxBatches);
  }
}
