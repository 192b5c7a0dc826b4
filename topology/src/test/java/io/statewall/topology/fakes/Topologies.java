package io.statewall.topology.fakes;

import io.statewall.topology.TopologyManager;
import io.statewall.topology.discovery.DiscoverySettings;
import io.statewall.topology.discovery.LinkDiscovery;
import io.statewall.topology.discovery.LldpCodec;
import io.statewall.topology.discovery.LldpSigner;
import io.statewall.topology.hosts.HostTracker;
import io.statewall.topology.paths.DijkstraPathEngine;
import io.statewall.topology.paths.LinkWeigher;
import io.statewall.topology.paths.PathFinder;

/** Builds a real topology manager on a fake clock with a known LLDP key. */
public final class Topologies {

  public static final byte[] KEY = "0123456789abcdef0123456789abcdef".getBytes();

  private Topologies() {}

  public static TopologyManager manager(FakeClock clock) {
    DiscoverySettings s = DiscoverySettings.DEFAULTS;
    return new TopologyManager(clock,
        new LinkDiscovery(new LldpCodec(new LldpSigner(KEY), s.maxProbeAge().toMillis()), s),
        new HostTracker(1000), new PathFinder(new DijkstraPathEngine(), LinkWeigher.HOP_COUNT));
  }

  /** n switches (dpid 1..n) in a ring: port 1 to the next switch, port 2 to the previous, port 3 a host. */
  public static FakeNetwork ring(TopologyManager m, int n) {
    FakeNetwork net = new FakeNetwork(m);
    for (int i = 1; i <= n; i++) {
      net.add(FakeSwitch.of13(i, 1, 2, 3));
    }
    for (int i = 1; i <= n; i++) {
      net.cable(i, 1, i % n + 1, 2);
    }
    return net;
  }
}
