package io.statewall.apps.main;

import io.statewall.controller.switches.SwitchHandle;
import io.statewall.controller.switches.SwitchRegistry;
import io.statewall.firewall.FirewallApp;
import io.statewall.firewall.forwarding.ExactMatch;
import io.statewall.firewall.forwarding.FlowProgrammer;
import io.statewall.firewall.forwarding.InstalledConnection;
import io.statewall.firewall.guard.PacketInGuard;
import io.statewall.firewall.guard.TableMissMeters;
import io.statewall.netfilter.conntrack.CtDirection;
import io.statewall.netfilter.conntrack.CtEntry;
import io.statewall.netfilter.conntrack.CtStats;
import io.statewall.netfilter.conntrack.CtTuple;
import io.statewall.netfilter.conntrack.Expectation;
import io.statewall.netfilter.packet.IpAddress;
import io.statewall.netfilter.packet.Packet;
import io.statewall.netfilter.policy.FilterDecision;
import io.statewall.netfilter.policy.PathContext;
import io.statewall.netfilter.policy.Policy;
import io.statewall.operator.api.ApiSources;
import io.statewall.operator.source.ClusterStatus;
import io.statewall.operator.source.ConntrackView;
import io.statewall.operator.source.MetricsSource;
import io.statewall.operator.source.OffloadView;
import io.statewall.operator.source.PolicyControl;
import io.statewall.operator.source.TopologyView;
import io.statewall.topology.Attachment;
import io.statewall.topology.Host;
import io.statewall.topology.Link;
import io.statewall.topology.Path;
import io.statewall.topology.TopologyListener;
import io.statewall.topology.TopologyService;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.projectfloodlight.openflow.protocol.OFPortConfig;
import org.projectfloodlight.openflow.protocol.OFPortDesc;
import org.projectfloodlight.openflow.protocol.OFPortState;
import org.projectfloodlight.openflow.types.OFPort;

/**
 * The operator API's views over the apps of this process (issue 15): each a thin adapter that
 * delegates to the app owning the data, so the API module never sees an app object.
 */
public final class OperatorViews {
  private OperatorViews() {}

  /** The packet-in guards whose figures {@code /metrics} shows, or none (a firewall built on its own). */
  public record Guards(PacketInGuard guard, TableMissMeters meters) {}

  /** Every view over {@code firewall}, {@code topology} (null: none) and the controller's {@code switches}. */
  public static ApiSources of(FirewallApp firewall, TopologyService topology, SwitchRegistry switches, Guards guards) {
    return new ApiSources(new Conntrack(firewall), new Offloads(firewall),
        topology == null ? null : new Network(topology, switches), new Policies(firewall),
        new Figures(firewall, guards), ClusterStatus.STANDALONE);
  }

  /** The network's conntrack table. */
  private record Conntrack(FirewallApp firewall) implements ConntrackView {
    @Override
    public List<CtEntry> entries() {
      return firewall.tracker().entries();
    }

    @Override
    public String format(CtEntry entry) {
      return firewall.tracker().format(entry);
    }

    @Override
    public int delete(CtTuple tuple) {
      return firewall.tracker().delete(tuple);
    }

    @Override
    public int flush() {
      return firewall.tracker().flush();
    }

    @Override
    public List<Expectation> expectations() {
      return firewall.tracker().expectations();
    }

    @Override
    public CtStats stats() {
      return firewall.tracker().stats();
    }
  }

  /** The offload table and where its connections' entries are. */
  private record Offloads(FirewallApp firewall) implements OffloadView {
    @Override
    public int size() {
      return firewall.offloads().size();
    }

    @Override
    public Collection<CtEntry> entries() {
      return firewall.offloads().entries();
    }

    @Override
    public Optional<String> cookie(CtEntry entry) {
      return firewall.offloads().cookie(entry).map(Object::toString);
    }

    @Override
    public Optional<Installed> installed(CtEntry entry) {
      return firewall.offloads().cookie(entry).flatMap(firewall.installed()::get).map(OperatorViews::installed);
    }

    @Override
    public List<Installed> installed() {
      return firewall.installed().all().stream().map(OperatorViews::installed).toList();
    }
  }

  private static OffloadView.Installed installed(InstalledConnection c) {
    return new OffloadView.Installed(c.path(), c.entryCount());
  }

  /**
   * Topology's view of the network, with the controller's switches and their flow tables' sizes: a
   * table-stats request to a switch at most every {@link #TABLE_STATS_NANOS} while someone looks,
   * answered on the switch's event loop; a view never waits for it.
   */
  private static final class Network implements TopologyView {
    static final long TABLE_STATS_NANOS = 2_000_000_000L;
    private final TopologyService topology;
    private final SwitchRegistry registry;
    private final Map<Long, Long> flowEntries = new ConcurrentHashMap<>();
    private final Map<Long, Long> asked = new ConcurrentHashMap<>();

    Network(TopologyService topology, SwitchRegistry registry) {
      this.topology = topology;
      this.registry = registry;
    }

    @Override
    public List<SwitchState> switches() {
      return registry.all().stream().map(this::state).toList();
    }

    private SwitchState state(SwitchHandle sw) {
      String name = sw.port(OFPort.LOCAL).map(OFPortDesc::getName).orElse(null);
      List<Port> ports = sw.ports().stream()
          .filter(p -> !p.getPortNo().equals(OFPort.LOCAL))
          .sorted((a, b) -> Integer.compare(a.getPortNo().getPortNumber(), b.getPortNo().getPortNumber()))
          .map(p -> new Port(p.getPortNo().getPortNumber(), p.getName(),
              !p.getState().contains(OFPortState.LINK_DOWN) && !p.getConfig().contains(OFPortConfig.PORT_DOWN)))
          .toList();
      return new SwitchState(sw.id().getLong(), name, sw.version().toString(), sw.isReady(), sw.isWritable(),
          flowEntries(sw), ports);
    }

    /** The switch's flow entries as it last said, asking again when that is old. */
    private long flowEntries(SwitchHandle sw) {
      long id = sw.id().getLong();
      long now = System.nanoTime();
      Long last = asked.get(id);
      if (sw.isReady() && (last == null || now - last > TABLE_STATS_NANOS)) {
        asked.put(id, now);
        sw.requestStats(sw.factory().buildTableStatsRequest().build()).thenAccept(parts -> flowEntries.put(id,
            parts.stream().flatMap(r -> r.getEntries().stream()).mapToLong(e -> e.getActiveCount()).sum()));
      }
      return flowEntries.getOrDefault(id, -1L);
    }

    @Override
    public Set<Link> links() {
      return topology.links();
    }

    @Override
    public Collection<Host> hosts() {
      return topology.hosts();
    }

    @Override
    public Optional<Host> hostByAddress(IpAddress address) {
      return topology.hostByAddress(ExactMatch.address(address));
    }

    @Override
    public Optional<Path> path(Attachment src, Attachment dst) {
      return topology.path(src, dst);
    }

    @Override
    public void addListener(TopologyListener listener) {
      topology.addListener(listener);
    }
  }

  /** The firewall's policy and its judge, for views, dry runs and traces. */
  private record Policies(FirewallApp firewall) implements PolicyControl {
    @Override
    public Policy current() {
      return firewall.policies().current();
    }

    @Override
    public FilterDecision judgeEstablished(Policy policy, CtEntry entry, CtDirection dir) {
      return firewall.firewall().judgeEstablished(policy, entry, dir);
    }

    @Override
    public boolean stillCarried(Policy policy, CtEntry entry) {
      return firewall.firewall().stillCarried(policy, entry);
    }

    @Override
    public PathContext hostContext(Policy policy, Packet packet) {
      return firewall.firewall().hostContext(policy, packet);
    }

    @Override
    public void apply(Policy next) {
      firewall.apply(next);
    }
  }

  /** The figures the firewall, its flow service and the packet-in guards keep. */
  private record Figures(FirewallApp firewall, Guards guards) implements MetricsSource {
    @Override
    public CtStats conntrack() {
      return firewall.tracker().stats();
    }

    @Override
    public int offloaded() {
      return firewall.offloads().size();
    }

    @Override
    public long flowModsSent() {
      return firewall.flowModsSent();
    }

    @Override
    public Map<String, Long> flowModsByPurpose() {
      Map<String, Long> out = new LinkedHashMap<>();
      for (FlowProgrammer.Purpose p : FlowProgrammer.Purpose.values()) {
        out.put(p.name().toLowerCase(Locale.ROOT), firewall.flows().sent(p));
      }
      return out;
    }

    @Override
    public long skippedDrops() {
      return firewall.flowModBudget().skippedDrops();
    }

    @Override
    public long skippedConnections() {
      return firewall.flowModBudget().skippedConnections();
    }

    @Override
    public long tableFullErrors() {
      return firewall.flowModBudget().tableFullErrors();
    }

    @Override
    public long packetInsDropped() {
      return guards.guard().dropped();
    }

    @Override
    public int meteredSwitches() {
      return guards.meters().meteredSwitches();
    }
  }
}
