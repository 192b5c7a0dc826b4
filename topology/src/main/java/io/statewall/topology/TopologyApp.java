package io.statewall.topology;

import io.statewall.controller.app.App;
import io.statewall.controller.app.AppContext;
import io.statewall.topology.discovery.LinkDiscovery;
import io.statewall.topology.discovery.LldpCodec;
import io.statewall.topology.discovery.LldpSigner;
import io.statewall.topology.hosts.HostTracker;
import io.statewall.topology.paths.DijkstraPathEngine;
import io.statewall.topology.paths.LinkWeigher;
import io.statewall.topology.paths.PathEngine;
import io.statewall.topology.paths.PathFinder;
import java.time.Clock;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.projectfloodlight.openflow.protocol.OFPacketIn;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The topology as a controller app: hooks the manager to packet-ins and switch events, and probes
 * on the app timer. Other apps read the network through {@link #service()}.
 */
public final class TopologyApp implements App {

  /** Packet-in order: before any app that forwards, so LLDP is consumed and hosts are learned first. */
  public static final int PACKET_IN_ORDER = 10;

  private static final Logger LOG = LoggerFactory.getLogger(TopologyApp.class);

  private final TopologyManager manager;
  private final TopologySettings settings;
  private ScheduledFuture<?> timer;

  public TopologyApp(TopologyManager manager, TopologySettings settings) {
    this.manager = manager;
    this.settings = settings;
  }

  /** The usual wiring: Dijkstra on hop count, a fresh random LLDP key, the system clock. */
  public static TopologyApp create(TopologySettings settings) {
    return create(settings, LldpSigner.withRandomKey());
  }

  /** The usual wiring with a signer of the caller's (a cluster member hands it the cluster's key). */
  public static TopologyApp create(TopologySettings settings, LldpSigner signer) {
    return create(settings, Clock.systemUTC(), signer, new DijkstraPathEngine(), LinkWeigher.HOP_COUNT);
  }

  public static TopologyApp create(TopologySettings settings, Clock clock, LldpSigner signer,
      PathEngine engine, LinkWeigher weigher) {
    LldpCodec codec = new LldpCodec(signer, settings.discovery().maxProbeAge().toMillis());
    TopologyManager manager = new TopologyManager(clock,
        new LinkDiscovery(codec, settings.discovery()), new HostTracker(settings.maxHosts(), settings.maxHostsPerPort(), settings.hostAge()),
        new PathFinder(engine, weigher));
    return new TopologyApp(manager, settings);
  }

  public TopologyService service() {
    return manager;
  }

  public TopologyManager manager() {
    return manager;
  }

  @Override
  public String name() {
    return "topology";
  }

  @Override
  public void start(AppContext context) {
    context.addMessageListener(OFPacketIn.class, PACKET_IN_ORDER, manager);
    context.addSwitchListener(PACKET_IN_ORDER, manager);
    long period = settings.discovery().probeInterval().toMillis();
    timer = context.scheduler().scheduleAtFixedRate(() -> {
      try {
        manager.probeAndExpire(context.switches().ready());
      } catch (RuntimeException e) {
        // an exception would cancel the periodic task: discovery must outlive one bad round
        LOG.error("LLDP round failed", e);
      }
    }, period, period, TimeUnit.MILLISECONDS);
  }

  @Override
  public void stop() {
    if (timer != null) {
      timer.cancel(false);
    }
  }
}
