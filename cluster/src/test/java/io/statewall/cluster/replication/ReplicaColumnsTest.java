package io.statewall.cluster.replication;

import static org.assertj.core.api.Assertions.assertThat;

import io.statewall.netfilter.conntrack.CtEntry;
import io.statewall.netfilter.conntrack.CtSnapshot;
import io.statewall.netfilter.conntrack.CtTuple;
import io.statewall.netfilter.packet.IpAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ReplicaColumnsTest {
  /** What a replica of the model holds: the state of its last update, ingress and cookie kept when unknown. */
  private record State(int status, int tcpState, long ingress, long cookie, String helper) {}

  private static CtTuple tuple(Random rnd, int space) {
    int k = rnd.nextInt(space);
    if (k % 7 == 0) {
      return CtTuple.ports(IpAddress.v6(0x2001_0db8L << 32, k), IpAddress.v6(0x2001_0db8L << 32, 1), 17,
          1024 + k % 5000, 53);
    }
    if (k % 11 == 0) {
      return CtTuple.icmp(IpAddress.v4(0x0A00_0000 | k), IpAddress.v4(0x0A01_0001), 1, 8, 0, k & 0xFFFF);
    }
    return CtTuple.ports(IpAddress.v4(0x0A00_0000 | (k & 0xFF)), IpAddress.v4(0x0A01_0000 | (k >>> 8 & 0xFF)), 6,
        1024 + k % 60000, 80);
  }

  private static Change.Update update(CtTuple t, Random rnd) {
    long ingress = rnd.nextInt(4) == 0 ? Change.Update.UNKNOWN_INGRESS : 1 + rnd.nextInt(16);
    long cookie = rnd.nextInt(3) == 0 ? 0 : rnd.nextLong() | 1;
    String helper = rnd.nextInt(20) == 0 ? "ftp" : null;
    return new Change.Update(new CtSnapshot(t, rnd.nextInt(16), rnd.nextInt(10), 1000 + rnd.nextInt(100_000),
        helper), ingress, cookie, 0);
  }

  /** Random puts, removes and removals by predicate against a HashMap: the table agrees after every step. */
  @ParameterizedTest
  @ValueSource(ints = {1, 2, 3, 4, 5, 6, 7, 8})
  void agreesWithAMapThroughInsertsUpdatesAndRemovals(int seed) {
    Random rnd = new Random(seed);
    int space = seed % 2 == 0 ? 50 : 5_000; // few keys (many updates, long probe runs) or many
    ReplicaColumns table = new ReplicaColumns();
    Map<Replica, State> model = new HashMap<>();
    for (int step = 0; step < 20_000; step++) {
      int op = rnd.nextInt(10);
      CtTuple t = tuple(rnd, space);
      Replica key = Replica.of(t);
      if (op < 6) {
        Change.Update u = update(t, rnd);
        assertThat(table.put(key, u, step, Integer.MAX_VALUE)).isTrue();
        State before = model.get(key);
        long ingress = u.ingress() != Change.Update.UNKNOWN_INGRESS ? u.ingress()
            : before == null ? Change.Update.UNKNOWN_INGRESS : before.ingress();
        long cookie = u.cookie() != 0 ? u.cookie() : before == null ? 0 : before.cookie();
        model.put(key, new State(u.ct().status(), u.ct().tcpState(), ingress, cookie, u.ct().helper()));
      } else if (op < 9) {
        assertThat(table.remove(key)).isEqualTo(model.remove(key) != null);
      } else if (step % 50 == 0) {
        long dpid = 1 + rnd.nextInt(16);
        List<Replica> taken = new ArrayList<>();
        table.removeIf(r -> r.ingress == dpid, taken::add);
        List<Replica> expected = new ArrayList<>(model.entrySet().stream()
            .filter(e -> e.getValue().ingress() == dpid).map(Map.Entry::getKey).toList());
        assertThat(taken).containsExactlyInAnyOrderElementsOf(expected);
        expected.forEach(model::remove);
      }
      assertThat(table.size()).isEqualTo(model.size());
    }
    for (Map.Entry<Replica, State> e : model.entrySet()) {
      Replica r = table.get(e.getKey());
      assertThat(r).as("%s", e.getKey().tuple()).isNotNull();
      State s = e.getValue();
      assertThat(new State(r.status & 0xFF, r.tcpState, r.ingress, r.cookie, r.helper)).isEqualTo(s);
      assertThat(r.tuple()).isEqualTo(e.getKey().tuple());
    }
    List<Replica> all = new ArrayList<>();
    table.forEach(all::add);
    assertThat(all).containsExactlyInAnyOrderElementsOf(model.keySet());
  }

  @Test
  void pastItsBoundANewReplicaIsRefusedAndAnUpdateOfAHeldOneIsNot() {
    ReplicaColumns table = new ReplicaColumns();
    Random rnd = new Random(1);
    CtTuple a = CtTuple.ports(IpAddress.v4(0x0A000001), IpAddress.v4(0x0A000002), 6, 1000, 80);
    CtTuple b = CtTuple.ports(IpAddress.v4(0x0A000001), IpAddress.v4(0x0A000002), 6, 1001, 80);
    assertThat(table.put(Replica.of(a), update(a, rnd), 0, 1)).isTrue();
    assertThat(table.put(Replica.of(b), update(b, rnd), 0, 1)).isFalse();
    assertThat(table.put(Replica.of(a), update(a, rnd), 1, 1)).isTrue();
    assertThat(table.size()).isEqualTo(1);
    assertThat(table.contains(Replica.of(b))).isFalse();
  }

  @Test
  void aReplicaReadBackIsTheConnectionThatWasReplicated() {
    ReplicaColumns table = new ReplicaColumns();
    CtTuple t = CtTuple.ports(IpAddress.v4(0x0A000001), IpAddress.v4(0x0A000102), 6, 40000, 21);
    Change.Update u = new Change.Update(new CtSnapshot(t, CtEntry.SEEN_REPLY | CtEntry.ASSURED, 3, 431_999_000,
        "ftp"), 7, 0x5357_0000_0000_0001L, 0);
    table.put(Replica.of(t), u, 123, 10);
    CtSnapshot s = table.get(Replica.of(t)).snapshot();
    assertThat(s.original()).isEqualTo(t);
    assertThat(s.status()).isEqualTo(CtEntry.SEEN_REPLY | CtEntry.ASSURED);
    assertThat(s.tcpState()).isEqualTo(3);
    assertThat(s.remainingMillis()).isEqualTo(431_999_000);
    assertThat(s.helper()).isEqualTo("ftp");
    Replica r = table.get(Replica.of(t));
    assertThat(r.ingress).isEqualTo(7);
    assertThat(r.cookie).isEqualTo(0x5357_0000_0000_0001L);
    assertThat(r.receivedAt).isEqualTo(123);
  }
}
