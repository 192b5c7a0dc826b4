package io.statewall.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.statewall.firewall.FirewallApp;
import io.statewall.apps.main.InProcessFirewall;
import io.statewall.netfilter.policy.PolicyLoader;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Policy reloads under load: the real controller in-process, emulated switches opening about 10,000
 * new connections a second, and the policy replaced once a second by an equivalent or a wider one.
 * Every connection the policy accepts before and after must still be set up (none denied, none
 * timed out) and no offloaded connection may lose its entries. A narrower policy at the end shows
 * the counts are not blind: it removes entries.
 */
@Timeout(120) // a guard against hangs, not a performance assertion
class ReloadUnderLoadTest {
  private static final int RULES = 200;
  private static final long SEED = 42; // InProcessFirewall's: the same rules, a new Policy object
  private static final double RATE = 10_000;
  private static final int RELOADS = 6;

  @Test
  void reloadingToAnEquivalentOrWiderPolicyLosesNoConnection() throws Exception {
    try (InProcessFirewall controller = new InProcessFirewall()) {
      InetSocketAddress at = controller.start(RULES, 1);
      FirewallApp firewall = controller.firewall();
      Path dir = controller.directory();
      String rules = BenchPolicy.forwardRules(RULES, SEED);
      Path same = policy(dir, "same", rules);
      Path wider = policy(dir, "wider", rules.replace("-A FORWARD -p tcp -j REJECT",
          "-A FORWARD -p tcp --dport 443 -j ACCEPT\n-A FORWARD -p tcp -j REJECT"));
      // established connections are let through by the state rule at the top: cut them above it
      Path narrower = policy(dir, "narrower", rules.replace("-A FORWARD -m state --state RELATED,ESTABLISHED",
          "-A FORWARD -p tcp --dport 80 -j DROP\n-A FORWARD -m state --state RELATED,ESTABLISHED"));

      LoadConfig config = LoadConfig.of(4, LoadMode.THROUGHPUT, Duration.ofSeconds(RELOADS + 2))
          .withRate(RATE).withWindow(256).withExpectation(FlowExpectation.HANDSHAKE, true)
          // lost means not set up in 10 s: a 2 s bound also counts a loaded machine's stalls (the full
          // test run on 2 shared cores stalled two switches' windows for over 2 s once)
          .withTimeouts(Duration.ofSeconds(10), Duration.ofSeconds(10), Duration.ofSeconds(10));
      LinkedBlockingQueue<Progress> seconds = new LinkedBlockingQueue<>();
      CompletableFuture<LoadResult> run = CompletableFuture.supplyAsync(() -> {
        try {
          return new LoadGenerator(config).run(at, "statewall", seconds::add);
        } catch (Exception e) {
          throw new IllegalStateException(e);
        }
      });

      // one reload after each measured second, alternating equivalent and wider
      List<Integer> removed = new ArrayList<>();
      List<Integer> offloadedAtReload = new ArrayList<>();
      List<Long> reloadMicros = new ArrayList<>();
      List<Long> setUpAtReload = new ArrayList<>();
      for (int i = 0; i < RELOADS; i++) {
        Progress p = seconds.poll(30, TimeUnit.SECONDS);
        assertThat(p).as("second %d of the load", i + 1).isNotNull();
        setUpAtReload.add(p.completed());
        offloadedAtReload.add(firewall.offloads().entries().size());
        long t0 = System.nanoTime();
        removed.add(firewall.apply(new PolicyLoader().load(i % 2 == 0 ? same : wider)));
        reloadMicros.add((System.nanoTime() - t0) / 1_000);
      }
      LoadResult r = run.get(60, TimeUnit.SECONDS);

      System.out.printf("reload under load: %d reloads while %,.0f new connections/s were paced; %,d set up"
              + " (%,.0f/s), %d denied, %d timed out; offloaded at each reload %s; entries removed %s;"
              + " reload took %s us; p99 set-up %.0f us%n",
          RELOADS, RATE, r.completed(), r.newConnectionsPerSecond(), r.denied(), r.timedOut(),
          offloadedAtReload, removed, reloadMicros, r.latency().p99());
      assertThat(r.warnings()).isEmpty();
      assertThat(r.denied()).as("connections the policy accepts but were denied").isZero();
      assertThat(r.timedOut()).as("connections the policy accepts but were not set up").isZero();
      assertThat(removed).as("offloaded connections that lost their entries").containsOnly(0);
      assertThat(offloadedAtReload).as("reloads met offloaded connections").allMatch(n -> n > 0);
      // the rate held is a figure, printed above, not asserted: contention decides it (a loaded CI
      // machine set up 1,717 in all once, where a quiet one sets up tens of thousands); what is asserted
      // is that connections were being set up through every second that ended in a reload
      assertThat(setUpAtReload).as("connections set up by each reload").first().satisfies(n -> assertThat(n).isPositive());
      assertThat(setUpAtReload).as("connections set up by each reload").isSortedAccordingTo(Long::compare)
          .doesNotHaveDuplicates();
      assertThat(r.completed()).as("connections set up in all").isGreaterThan(setUpAtReload.get(RELOADS - 1));

      int cut = firewall.apply(new PolicyLoader().load(narrower));
      System.out.printf("reload under load: a narrower policy removed the entries of %,d offloaded connections%n", cut);
      assertThat(cut).as("a narrower policy removes the entries it no longer carries").isPositive();
    }
  }

  private static Path policy(Path dir, String name, String rules) throws Exception {
    Files.writeString(dir.resolve(name + ".rules"), rules);
    return Files.writeString(dir.resolve(name + ".yaml"), "network:\n  rules: " + name + ".rules\n");
  }
}
