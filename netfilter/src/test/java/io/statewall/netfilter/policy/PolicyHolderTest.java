package io.statewall.netfilter.policy;

import static org.assertj.core.api.Assertions.assertThat;

import io.statewall.netfilter.conntrack.CtDirection;
import io.statewall.netfilter.conntrack.CtState;
import io.statewall.netfilter.packet.Packet;
import io.statewall.netfilter.rules.ConnInfo;
import io.statewall.netfilter.rules.Verdict;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Readers on other threads see either the old or the new policy, whole, never a mix or an error. */
class PolicyHolderTest {

  private static Policy policyWith(Path dir, String name, String verdict) throws Exception {
    Files.writeString(dir.resolve(name + ".rules"), "*filter\n:INPUT " + verdict + " [0:0]\n"
        + "-A INPUT -p udp --dport 9 -j " + verdict + "\nCOMMIT\n");
    Files.writeString(dir.resolve(name + ".yaml"), "hosts:\n  - address: 10.0.0.2\n    rules: " + name + ".rules\n");
    return new PolicyLoader().load(dir.resolve(name + ".yaml"));
  }

  @Test
  void replacementIsAtomicUnderConcurrentEvaluation(@TempDir Path dir) throws Exception {
    Policy accept = policyWith(dir, "a", "ACCEPT");
    Policy drop = policyWith(dir, "d", "DROP");
    PolicyHolder holder = new PolicyHolder(accept);
    Packet p = Packet.builder().addresses("10.0.0.1", "10.0.0.2").udp(1000, 9).build();
    ConnInfo ct = new ConnInfo.Of(CtState.NEW, CtDirection.ORIGINAL, 0, p.src(), p.dst(), p.dst(), p.src(), 17, null);
    PathContext path = new PathContext(null, "10.0.0.2", null, null);
    AtomicBoolean stop = new AtomicBoolean();
    CountDownLatch started = new CountDownLatch(4);
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      List<Future<int[]>> readers = new java.util.ArrayList<>();
      for (int t = 0; t < 4; t++) {
        readers.add(pool.submit(() -> {
          int[] seen = new int[3];
          started.countDown();
          while (!stop.get()) {
            Policy pol = holder.current();
            Verdict v = pol.filter(p, ct, path).verdict();
            // the verdict must be the one of the policy this thread read: never a mix
            boolean consistent = (pol == accept && v == Verdict.ACCEPT) || (pol == drop && v == Verdict.DROP);
            seen[consistent ? (v == Verdict.ACCEPT ? 0 : 1) : 2]++;
          }
          return seen;
        }));
      }
      assertThat(started.await(10, TimeUnit.SECONDS)).isTrue();
      for (int i = 0; i < 2000; i++) {
        holder.replace(i % 2 == 0 ? drop : accept);
      }
      stop.set(true);
      int accepted = 0;
      int dropped = 0;
      for (Future<int[]> f : readers) {
        int[] s = f.get(10, TimeUnit.SECONDS);
        assertThat(s[2]).isZero();
        accepted += s[0];
        dropped += s[1];
      }
      assertThat(accepted + dropped).isPositive();
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void aFailedReloadKeepsTheRunningPolicy(@TempDir Path dir) throws Exception {
    Policy accept = policyWith(dir, "a", "ACCEPT");
    PolicyHolder holder = new PolicyHolder(accept);
    Files.writeString(dir.resolve("bad.yaml"), "hosts:\n  - address: nope\n");
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> holder.reload(dir.resolve("bad.yaml"), new PolicyLoader()))
        .isInstanceOf(PolicyException.class);
    assertThat(holder.current()).isSameAs(accept);
  }
}
