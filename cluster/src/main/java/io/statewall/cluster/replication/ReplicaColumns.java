package io.statewall.cluster.replication;

import io.statewall.netfilter.packet.Family;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Consumer;

/**
 * One owner's replicas as columns of primitive arrays, found by open addressing (linear probing,
 * deletion by shifting back), so that a replica is no object: a follower applying an owner's batches
 * allocates nothing that lives, and a young collection has nothing of the table to copy. As a
 * {@code HashMap} of {@link Replica}s, each connection was an object and a map node that lived until its
 * destroy, and three members on two cores had young pauses of up to 0.9 s copying them (session 15).
 * The helper's name, which few connections have, sits in a side map by tuple. Not thread-safe.
 */
final class ReplicaColumns {
  private static final int MIN_CAPACITY = 16;
  private static final int USED = 1;
  private static final int V6 = 2;

  private long[] sHi;
  private long[] sLo;
  private long[] dHi;
  private long[] dLo;
  private int[] ports;
  /**
   * 0 for an empty slot; else USED, V6 for an IPv6 tuple, and six bits of the tuple's hash above them (the
   * bits that do not pick the slot), so that a probe passes most slots that are not its key on this byte.
   */
  private byte[] flags;
  private byte[] proto;
  private byte[] status;
  private byte[] tcpState;
  private int[] remainingMillis;
  private long[] receivedAt;
  private long[] ingress;
  private long[] cookie;
  private int size;
  private final Map<Replica, String> helpers = new HashMap<>();

  ReplicaColumns() {
    this(MIN_CAPACITY);
  }

  private ReplicaColumns(int capacity) {
    allocate(capacity);
  }

  int size() {
    return size;
  }

  boolean contains(Replica key) {
    return find(key) >= 0;
  }

  /**
   * Applies an owner's update of {@code key}'s connection, adding it if new (unless the table already
   * holds {@code max}: then false). An unknown ingress or a zero cookie keeps what was known.
   */
  boolean put(Replica key, Change.Update u, long now, int max) {
    int i = find(key);
    if (i < 0) {
      if (size >= max) {
        return false;
      }
      if ((size + 1) * 4L > capacity() * 3L) {
        resize(capacity() * 2);
      }
      i = insertAt(key);
    }
    var s = u.ct();
    status[i] = (byte) s.status();
    tcpState[i] = (byte) s.tcpState();
    remainingMillis[i] = (int) Math.min(Integer.MAX_VALUE, s.remainingMillis());
    receivedAt[i] = now;
    if (u.ingress() != Change.Update.UNKNOWN_INGRESS) {
      ingress[i] = u.ingress();
    }
    if (u.cookie() != 0) {
      cookie[i] = u.cookie();
    }
    if (s.helper() != null) {
      helpers.put(key, s.helper().intern());
    } else if (!helpers.isEmpty()) {
      helpers.remove(key);
    }
    return true;
  }

  /** The replica of {@code key} as an object (a copy), or null. */
  Replica get(Replica key) {
    int i = find(key);
    return i < 0 ? null : materialize(i);
  }

  boolean remove(Replica key) {
    int i = find(key);
    if (i < 0) {
      return false;
    }
    removeAt(i);
    return true;
  }

  /** Every replica as an object (copies), in no order. */
  void forEach(Consumer<Replica> each) {
    for (int i = 0; i < flags.length; i++) {
      if (flags[i] != 0) {
        each.accept(materialize(i));
      }
    }
  }

  /** Removes the replicas {@code which} selects and hands each (a copy) to {@code taken}. */
  void removeIf(java.util.function.Predicate<Replica> which, Consumer<Replica> taken) {
    int i = 0;
    while (i < flags.length) {
      if (flags[i] != 0) {
        Replica r = materialize(i);
        if (which.test(r)) {
          removeAt(i);
          taken.accept(r);
          continue; // a later entry may have shifted back into slot i
        }
      }
      i++;
    }
    if (size < capacity() / 8 && capacity() > MIN_CAPACITY) {
      resize(Math.max(MIN_CAPACITY, Integer.highestOneBit(Math.max(1, size)) * 4));
    }
  }

  // ---------------------------------------------------------------------------------------------

  private int capacity() {
    return flags.length;
  }

  private static int spread(int h) {
    h ^= h >>> 16;
    h *= 0x85eb_ca6b;
    return h ^ (h >>> 13);
  }

  private int hashAt(int i) {
    return Replica.hash(sHi[i], sLo[i], dHi[i], dLo[i], ports[i], proto[i] & 0xFF,
        (flags[i] & V6) != 0 ? Family.IPV6 : Family.IPV4);
  }

  private int home(int i) {
    return spread(hashAt(i)) & (capacity() - 1);
  }

  private static byte flagsOf(Replica k, int spread) {
    return (byte) (USED | (k.family == Family.IPV6 ? V6 : 0) | (spread >>> 26) << 2);
  }

  private int find(Replica k) {
    int mask = capacity() - 1;
    int h = spread(k.hashCode());
    byte want = flagsOf(k, h);
    for (int i = h & mask;; i = (i + 1) & mask) {
      byte f = flags[i];
      if (f == 0) {
        return -1;
      }
      if (f == want && ports[i] == k.ports && sLo[i] == k.sLo && dLo[i] == k.dLo && proto[i] == k.proto
          && sHi[i] == k.sHi && dHi[i] == k.dHi) {
        return i;
      }
    }
  }

  private int insertAt(Replica k) {
    int mask = capacity() - 1;
    int h = spread(k.hashCode());
    int i = h & mask;
    while (flags[i] != 0) {
      i = (i + 1) & mask;
    }
    flags[i] = flagsOf(k, h);
    sHi[i] = k.sHi;
    sLo[i] = k.sLo;
    dHi[i] = k.dHi;
    dLo[i] = k.dLo;
    ports[i] = k.ports;
    proto[i] = k.proto;
    status[i] = 0;
    tcpState[i] = 0;
    remainingMillis[i] = 0;
    receivedAt[i] = 0;
    ingress[i] = Change.Update.UNKNOWN_INGRESS;
    cookie[i] = 0;
    size++;
    return i;
  }

  /** Empties slot {@code i} and shifts back the entries of its probe run that it was keeping from home. */
  private void removeAt(int i) {
    if (!helpers.isEmpty()) {
      helpers.remove(keyAt(i));
    }
    int mask = capacity() - 1;
    flags[i] = 0;
    size--;
    int hole = i;
    for (int j = (i + 1) & mask; flags[j] != 0; j = (j + 1) & mask) {
      int h = home(j);
      // j may fill the hole if its home is not cyclically within (hole, j]
      boolean stays = hole <= j ? hole < h && h <= j : hole < h || h <= j;
      if (!stays) {
        move(j, hole);
        hole = j;
      }
    }
  }

  private void move(int from, int to) {
    copySlot(this, from, this, to);
    flags[from] = 0;
  }

  /** Slot {@code j} of {@code a}'s columns into slot {@code i} of {@code b}'s. */
  private static void copySlot(ReplicaColumns a, int j, ReplicaColumns b, int i) {
    b.flags[i] = a.flags[j];
    b.sHi[i] = a.sHi[j];
    b.sLo[i] = a.sLo[j];
    b.dHi[i] = a.dHi[j];
    b.dLo[i] = a.dLo[j];
    b.ports[i] = a.ports[j];
    b.proto[i] = a.proto[j];
    b.status[i] = a.status[j];
    b.tcpState[i] = a.tcpState[j];
    b.remainingMillis[i] = a.remainingMillis[j];
    b.receivedAt[i] = a.receivedAt[j];
    b.ingress[i] = a.ingress[j];
    b.cookie[i] = a.cookie[j];
  }

  private Replica keyAt(int i) {
    return Replica.key((flags[i] & V6) != 0 ? Family.IPV6 : Family.IPV4, proto[i], sHi[i], sLo[i], dHi[i], dLo[i],
        ports[i]);
  }

  private Replica materialize(int i) {
    Replica r = keyAt(i);
    r.status = status[i];
    r.tcpState = tcpState[i];
    r.remainingMillis = remainingMillis[i];
    r.receivedAt = receivedAt[i];
    r.ingress = ingress[i];
    r.cookie = cookie[i];
    r.helper = helpers.isEmpty() ? null : helpers.get(r);
    return r;
  }

  private void resize(int newCapacity) {
    ReplicaColumns grown = new ReplicaColumns(newCapacity);
    int mask = newCapacity - 1;
    for (int j = 0; j < flags.length; j++) {
      if (flags[j] != 0) {
        int i = spread(hashAt(j)) & mask;
        while (grown.flags[i] != 0) {
          i = (i + 1) & mask;
        }
        copySlot(this, j, grown, i);
      }
    }
    sHi = grown.sHi;
    sLo = grown.sLo;
    dHi = grown.dHi;
    dLo = grown.dLo;
    ports = grown.ports;
    flags = grown.flags;
    proto = grown.proto;
    status = grown.status;
    tcpState = grown.tcpState;
    remainingMillis = grown.remainingMillis;
    receivedAt = grown.receivedAt;
    ingress = grown.ingress;
    cookie = grown.cookie;
  }

  private void allocate(int capacity) {
    sHi = new long[capacity];
    sLo = new long[capacity];
    dHi = new long[capacity];
    dLo = new long[capacity];
    ports = new int[capacity];
    flags = new byte[capacity];
    proto = new byte[capacity];
    status = new byte[capacity];
    tcpState = new byte[capacity];
    remainingMillis = new int[capacity];
    receivedAt = new long[capacity];
    ingress = new long[capacity];
    cookie = new long[capacity]; // a slot's ingress and cookie are set when it is taken (insertAt)
  }
}
