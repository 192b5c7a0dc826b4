package io.statewall.firewall.forwarding;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * Records by 64-bit flow cookie without a boxed key or a node per record: open addressing (linear
 * probing, backward-shift deletion) in a primitive {@code long[]} and a value array, split into
 * stripes that each have their own lock. About 21 bytes per record at the usual fill, where a
 * {@code ConcurrentHashMap<U64, V>} took 32 (its node) plus 24 (the key) plus its table.
 *
 * <p>Thread-safe. {@link #compute} runs its function under the stripe's lock, as
 * {@code ConcurrentHashMap.compute} does under its bin's: keep it short and never call back into
 * the map. Iteration copies one stripe at a time, so it sees each record as it was at some moment
 * during the walk (weakly consistent, like the map it replaces).
 */
final class CookieMap<V> {
  private static final int STRIPES = 64; // a power of two; the cookie's top bits pick the stripe
  private static final int INITIAL = 16;

  private final Stripe<V>[] stripes;

  /** The new value for a key, from its current one (null when absent); null removes it. */
  @FunctionalInterface
  interface Remap<V> {
    V apply(long key, V old);
  }

  @SuppressWarnings("unchecked")
  CookieMap() {
    stripes = new Stripe[STRIPES];
    for (int i = 0; i < STRIPES; i++) {
      stripes[i] = new Stripe<>();
    }
  }

  V get(long key) {
    long h = mix(key);
    Stripe<V> s = stripe(h);
    synchronized (s) {
      return s.get(key, h);
    }
  }

  /**
   * As {@code ConcurrentHashMap.compute}: {@code fn} gets the key and the current value (or null)
   * and returns the new value, null to remove it.
   */
  V compute(long key, Remap<V> fn) {
    long h = mix(key);
    Stripe<V> s = stripe(h);
    synchronized (s) {
      int slot = s.find(key, h);
      V old = slot < 0 ? null : s.values[slot];
      V now = fn.apply(key, old);
      if (now == null) {
        if (slot >= 0) {
          s.removeAt(slot);
        }
      } else if (slot >= 0) {
        s.values[slot] = now;
      } else {
        s.insert(key, h, now);
      }
      return now;
    }
  }

  /** {@link #compute} only when a value is present. */
  V computeIfPresent(long key, Remap<V> fn) {
    long h = mix(key);
    Stripe<V> s = stripe(h);
    synchronized (s) {
      int slot = s.find(key, h);
      if (slot < 0) {
        return null;
      }
      V now = fn.apply(key, s.values[slot]);
      if (now == null) {
        s.removeAt(slot);
      } else {
        s.values[slot] = now;
      }
      return now;
    }
  }

  int size() {
    int n = 0;
    for (Stripe<V> s : stripes) {
      synchronized (s) {
        n += s.size;
      }
    }
    return n;
  }

  /** Each value, outside the locks (a stripe is copied, then its values are handed over). */
  void forEachValue(Consumer<? super V> action) {
    List<V> copy = new ArrayList<>();
    for (Stripe<V> s : stripes) {
      copy.clear();
      synchronized (s) {
        for (V v : s.values) {
          if (v != null) {
            copy.add(v);
          }
        }
      }
      copy.forEach(action);
    }
  }

  private Stripe<V> stripe(long h) {
    return stripes[(int) (h >>> 58)];
  }

  /** murmur3's finaliser: cookies are mixed already, but a test's or an adopted switch's may not be. */
  static long mix(long k) {
    k ^= k >>> 33;
    k *= 0xff51afd7ed558ccdL;
    k ^= k >>> 33;
    k *= 0xc4ceb9fe1a85ec53L;
    k ^= k >>> 33;
    return k;
  }

  /** One stripe's table: {@code values[i] == null} marks a free slot, so every key value is allowed. */
  private static final class Stripe<V> {
    long[] keys = new long[INITIAL];
    V[] values = newArray(INITIAL);
    int size;

    @SuppressWarnings("unchecked")
    private static <V> V[] newArray(int n) {
      return (V[]) new Object[n];
    }

    V get(long key, long h) {
      int slot = find(key, h);
      return slot < 0 ? null : values[slot];
    }

    int find(long key, long h) {
      int mask = keys.length - 1;
      for (int i = (int) h & mask; values[i] != null; i = (i + 1) & mask) {
        if (keys[i] == key) {
          return i;
        }
      }
      return -1;
    }

    void insert(long key, long h, V value) {
      if ((size + 1) * 4L > keys.length * 3L) { // above three quarters full: double
        grow();
      }
      int mask = keys.length - 1;
      int i = (int) h & mask;
      while (values[i] != null) {
        i = (i + 1) & mask;
      }
      keys[i] = key;
      values[i] = value;
      size++;
    }

    /** Backward-shift deletion: later records of the run move up, so no tombstone is left. */
    void removeAt(int slot) {
      int mask = keys.length - 1;
      int hole = slot;
      for (int i = (hole + 1) & mask; values[i] != null; i = (i + 1) & mask) {
        int home = (int) mix(keys[i]) & mask;
        // the record at i may fill the hole if its home is not in (hole, i] (cyclically)
        if (((i - home) & mask) >= ((i - hole) & mask)) {
          keys[hole] = keys[i];
          values[hole] = values[i];
          hole = i;
        }
      }
      values[hole] = null;
      keys[hole] = 0;
      size--;
      if (keys.length > INITIAL && size * 8L < keys.length) { // a million gone: give the memory back
        resize(keys.length / 2);
      }
    }

    private void grow() {
      resize(keys.length * 2);
    }

    private void resize(int length) {
      long[] oldKeys = keys;
      V[] oldValues = values;
      keys = new long[length];
      values = newArray(length);
      int mask = keys.length - 1;
      for (int j = 0; j < oldKeys.length; j++) {
        if (oldValues[j] != null) {
          int i = (int) mix(oldKeys[j]) & mask;
          while (values[i] != null) {
            i = (i + 1) & mask;
          }
          keys[i] = oldKeys[j];
          values[i] = oldValues[j];
        }
      }
    }
  }
}
