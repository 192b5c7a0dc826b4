package io.statewall.firewall.forwarding;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import org.junit.jupiter.api.Test;

/** The cookie map behaves as a map: the same answers as a HashMap for any run of operations. */
class CookieMapTest {

  /** An operation: 0 put, 1 remove, 2 computeIfPresent (replace), on a key from a small set. */
  @Provide
  Arbitrary<List<Tuple.Tuple2<Integer, Long>>> operations() {
    // few distinct keys, some equal in their low bits and some 0 or negative: long probe runs,
    // removals inside them, and keys that a sentinel-based table would get wrong
    Arbitrary<Long> keys = Arbitraries.oneOf(
        Arbitraries.longs().between(-40, 40),
        Arbitraries.longs().between(0, 63).map(k -> k << 40),
        Arbitraries.longs());
    return Arbitraries.integers().between(0, 2).flatMap(op -> keys.map(k -> Tuple.of(op, k)))
        .list().ofMaxSize(3_000);
  }

  @Property(tries = 200)
  void answersAsAHashMapDoes(@ForAll("operations") List<Tuple.Tuple2<Integer, Long>> ops) {
    CookieMap<String> map = new CookieMap<>();
    Map<Long, String> model = new HashMap<>();
    int n = 0;
    for (Tuple.Tuple2<Integer, Long> op : ops) {
      long k = op.get2();
      String v = "v" + n++;
      switch (op.get1()) {
        case 0 -> {
          map.compute(k, (key, old) -> v);
          model.put(k, v);
        }
        case 1 -> {
          map.compute(k, (key, old) -> null);
          model.remove(k);
        }
        default -> {
          map.computeIfPresent(k, (key, old) -> old + "'");
          model.computeIfPresent(k, (key, old) -> old + "'");
        }
      }
      assertThat(map.get(k)).isEqualTo(model.get(k));
    }
    assertThat(map.size()).isEqualTo(model.size());
    for (Map.Entry<Long, String> e : model.entrySet()) {
      assertThat(map.get(e.getKey())).as("key %d", e.getKey()).isEqualTo(e.getValue());
    }
    List<String> values = new ArrayList<>();
    map.forEachValue(values::add);
    assertThat(values).containsExactlyInAnyOrderElementsOf(model.values());
  }

  @Test
  void aMillionRecordsComeAndGoAndTheTableShrinksBack() {
    CookieMap<Long> map = new CookieMap<>();
    for (long k = 0; k < 1_000_000; k++) {
      map.compute(k * 0x9E3779B97F4A7C15L, (key, old) -> key);
    }
    assertThat(map.size()).isEqualTo(1_000_000);
    for (long k = 0; k < 1_000_000; k += 2) {
      map.compute(k * 0x9E3779B97F4A7C15L, (key, old) -> null);
    }
    assertThat(map.size()).isEqualTo(500_000);
    for (long k = 1; k < 1_000_000; k += 2) {
      long key = k * 0x9E3779B97F4A7C15L;
      assertThat(map.get(key)).isEqualTo(key);
      map.compute(key, (x, old) -> null);
    }
    assertThat(map.size()).isZero();
    assertThat(map.get(0)).isNull();
  }

  @Test
  void threadsOnDifferentAndEqualKeysLoseNoUpdate() throws Exception {
    CookieMap<Integer> map = new CookieMap<>();
    int threads = 4;
    int perThread = 50_000;
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    CountDownLatch start = new CountDownLatch(1);
    try {
      List<Future<?>> done = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        int base = t;
        done.add(pool.submit(() -> {
          start.await();
          for (int i = 0; i < perThread; i++) {
            map.compute(base * 1_000_000L + i, (k, old) -> 1); // own keys
            map.compute(-1 - (i % 100), (k, old) -> old == null ? 1 : old + 1); // shared counters
          }
          return null;
        }));
      }
      start.countDown();
      for (Future<?> f : done) {
        f.get(60, TimeUnit.SECONDS);
      }
    } finally {
      pool.shutdownNow();
    }
    assertThat(map.size()).isEqualTo(threads * perThread + 100);
    int sum = 0;
    for (int i = 0; i < 100; i++) {
      sum += map.get(-1 - i);
    }
    assertThat(sum).isEqualTo(threads * perThread);
  }
}
