package io.statewall.netfilter.rules;

import java.util.Arrays;

/** An open-addressing map from a long key to a sorted int[] of rule indices; built once, then read-only. */
final class IntListMap {
  private long[] keys = new long[16];
  private int[][] values = new int[16][];
  private int[] sizes = new int[16];
  private int count;

  void add(long key, int rule) {
    if (count * 2 >= keys.length) {
      grow();
    }
    int i = slot(key);
    if (values[i] == null) {
      keys[i] = key;
      values[i] = new int[4];
      count++;
    } else if (sizes[i] > 0 && values[i][sizes[i] - 1] == rule) {
      return;
    }
    if (sizes[i] == values[i].length) {
      values[i] = Arrays.copyOf(values[i], sizes[i] * 2);
    }
    values[i][sizes[i]++] = rule;
  }

  /** Trims the lists; call once after the last add. */
  IntListMap freeze() {
    for (int i = 0; i < keys.length; i++) {
      if (values[i] != null && values[i].length != sizes[i]) {
        values[i] = Arrays.copyOf(values[i], sizes[i]);
      }
    }
    sizes = null;
    return this;
  }

  int[] get(long key) {
    int mask = keys.length - 1;
    for (int i = mix(key) & mask; ; i = (i + 1) & mask) {
      if (values[i] == null) {
        return null;
      }
      if (keys[i] == key) {
        return values[i];
      }
    }
  }

  boolean isEmpty() {
    return count == 0;
  }

  private int slot(long key) {
    int mask = keys.length - 1;
    for (int i = mix(key) & mask; ; i = (i + 1) & mask) {
      if (values[i] == null || keys[i] == key) {
        return i;
      }
    }
  }

  private static int mix(long key) {
    long h = key * 0x9E37_79B9_7F4A_7C15L;
    return (int) (h ^ (h >>> 32));
  }

  private void grow() {
    long[] ok = keys;
    int[][] ov = values;
    int[] os = sizes;
    keys = new long[ok.length * 2];
    values = new int[ok.length * 2][];
    sizes = new int[ok.length * 2];
    for (int j = 0; j < ok.length; j++) {
      if (ov[j] != null) {
        int i = slot(ok[j]);
        keys[i] = ok[j];
        values[i] = ov[j];
        sizes[i] = os[j];
      }
    }
  }
}
