package io.statewall.cluster.replication;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

class SentHistoryTest {
  private static final int CHUNK = SentHistory.CHUNK_BYTES;

  private static byte[] batch(long seq, int length) {
    byte[] b = new byte[length];
    Arrays.fill(b, (byte) seq);
    b[0] = (byte) (seq >>> 8);
    return b;
  }

  @Test
  void aKeptBatchComesBackByteForByteAndACopyOfIt() {
    SentHistory h = new SentHistory(16, CHUNK);
    byte[] one = batch(1, 300);
    h.add(1, one);
    h.add(2, batch(2, 40));
    byte[] back = h.get(1);
    assertThat(back).isEqualTo(one).isNotSameAs(one);
    back[5] = 99;
    assertThat(h.get(1)).isEqualTo(one);
    assertThat(h.get(2)).isEqualTo(batch(2, 40));
    assertThat(h.get(0)).isNull();
    assertThat(h.get(3)).isNull();
    assertThat(h.size()).isEqualTo(2);
  }

  @Test
  void theOldestGoPastTheCountBound() {
    SentHistory h = new SentHistory(4, CHUNK);
    for (long s = 1; s <= 10; s++) {
      h.add(s, batch(s, 100));
    }
    assertThat(h.size()).isEqualTo(4);
    assertThat(h.get(6)).isNull();
    for (long s = 7; s <= 10; s++) {
      assertThat(h.get(s)).isEqualTo(batch(s, 100));
    }
  }

  @Test
  void theOldestGoPastTheByteBoundAndTheChunksAreReusedNotReallocated() {
    SentHistory h = new SentHistory(100_000, 2L * CHUNK);
    int len = CHUNK / 3 + 1; // two a chunk, the third starts the next chunk rather than crossing the end
    for (long s = 1; s <= 40; s++) {
      h.add(s, batch(s, len));
      // whatever is held is intact: a write never lands on a batch still held
      for (long t = Math.max(1, s - 10); t <= s; t++) {
        byte[] b = h.get(t);
        if (b != null) {
          assertThat(b).as("batch %d after adding %d", t, s).isEqualTo(batch(t, len));
        }
      }
    }
    assertThat(h.size()).isBetween(3, 4);
    assertThat(h.get(40)).isEqualTo(batch(40, len));
    assertThat(h.get(36)).isNull();
    assertThat(h.allocatedBytes()).isEqualTo(2L * CHUNK);
  }

  @Test
  void aBatchLargerThanAChunkIsNumberedButNotHeld() {
    SentHistory h = new SentHistory(8, 2L * CHUNK);
    h.add(1, batch(1, 10));
    h.add(2, new byte[CHUNK + 1]);
    h.add(3, batch(3, 10));
    assertThat(h.get(1)).isEqualTo(batch(1, 10));
    assertThat(h.get(2)).isNull();
    assertThat(h.get(3)).isEqualTo(batch(3, 10));
  }

  @Test
  void aGapInTheNumbersForgetsWhatCameBefore() {
    SentHistory h = new SentHistory(8, CHUNK);
    h.add(1, batch(1, 10));
    h.add(2, batch(2, 10));
    h.add(5, batch(5, 10));
    assertThat(h.get(1)).isNull();
    assertThat(h.get(2)).isNull();
    assertThat(h.get(5)).isEqualTo(batch(5, 10));
    assertThat(h.size()).isEqualTo(1);
  }

  @Test
  void aQuietHistoryAllocatesOnlyTheChunkItUses() {
    SentHistory h = new SentHistory(4096, 32L * CHUNK);
    assertThat(h.allocatedBytes()).isZero();
    h.add(1, batch(1, 1000));
    assertThat(h.allocatedBytes()).isEqualTo(CHUNK);
  }

  @Test
  void boundsTooSmallAreRefused() {
    assertThatThrownBy(() -> new SentHistory(0, CHUNK)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new SentHistory(8, CHUNK - 1)).isInstanceOf(IllegalArgumentException.class);
  }
}
