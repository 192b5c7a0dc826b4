package io.statewall.topology;

import static org.assertj.core.api.Assertions.assertThat;

import io.statewall.topology.fakes.FakeClock;
import io.statewall.topology.fakes.FakeNetwork;
import io.statewall.topology.fakes.Frames;
import io.statewall.topology.fakes.Topologies;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Channel threads learning hosts and reading paths while links flap on another thread. */
class ConcurrencyTest {

  @Test
  void readersAndWritersOnManyThreadsLeaveAConsistentTopology() throws Exception {
    FakeClock clock = new FakeClock();
    TopologyManager manager = Topologies.manager(clock);
    FakeNetwork net = Topologies.ring(manager, 6);
    net.deliver();
    assertThat(manager.links()).hasSize(6);
    List<TopologyEvent> seen = java.util.Collections.synchronizedList(new ArrayList<>());
    manager.addListener(seen::add);

    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      List<Future<?>> work = new ArrayList<>();
      for (int t = 0; t < 3; t++) {
        int thread = t;
        work.add(pool.submit(() -> {
          for (int i = 0; i < 2_000; i++) {
            long sw = (i + thread) % 6 + 1;
            String mac = String.format("02:00:00:00:%02x:%02x", thread, i % 50);
            manager.receive(net.sw(sw), net.sw(sw).packetIn(3,
                Frames.ipv4(mac, "00:00:00:00:00:ff", "10.1." + thread + "." + (i % 50), "10.0.0.1")));
            manager.path(Attachment.of(1, 3), Attachment.of(4, 3));
            manager.broadcastPorts(net.sw(sw).id());
          }
        }));
      }
      work.add(pool.submit(() -> {
        for (int i = 0; i < 200; i++) {
          manager.portChanged(net.sw(2), net.sw(2).setPort(1, i % 2 == 1));
        }
      }));
      for (Future<?> f : work) {
        f.get(30, TimeUnit.SECONDS);
      }
    } finally {
      pool.shutdownNow();
    }
    // s2/1 ends up, but its link needs fresh probes to come back: 5 links, and paths follow
    assertThat(manager.links()).hasSize(5);
    assertThat(manager.path(Attachment.of(1, 3), Attachment.of(4, 3))).isPresent();
    assertThat(manager.hosts()).hasSize(150)
        .allSatisfy(h -> assertThat(manager.isInterSwitchPort(h.attachment())).isFalse());
    assertThat(seen.stream().filter(e -> e instanceof TopologyEvent.LinkDown).count()).isOne();
    net.probeAll();
    assertThat(manager.links()).hasSize(6);
  }
}
