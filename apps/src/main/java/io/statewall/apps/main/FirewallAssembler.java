package io.statewall.apps.main;

import io.statewall.operator.api.ApiApp;
import io.statewall.operator.api.FirewallMetrics;
import io.statewall.netfilter.conntrack.ConnTracker;
import io.statewall.netfilter.conntrack.CtConfig;
import io.statewall.netfilter.conntrack.ShardedConnTracker;
import io.statewall.netfilter.conntrack.ftp.FtpHelper;
import io.statewall.firewall.Firewall;
import io.statewall.firewall.FirewallApp;
import io.statewall.firewall.FirewallParts;
import io.statewall.firewall.FirewallSettings;
import io.statewall.firewall.PolicyReloader;
import io.statewall.firewall.forwarding.FlowModBudget;
import io.statewall.firewall.forwarding.FlowModLimits;
import io.statewall.firewall.forwarding.FlowProgrammer;
import io.statewall.firewall.guard.PacketInGuard;
import io.statewall.firewall.guard.TableMissMeters;
import io.statewall.netfilter.policy.Policy;
import io.statewall.netfilter.policy.PolicyException;
import io.statewall.netfilter.policy.PolicyHolder;
import io.statewall.netfilter.policy.PolicyLoader;
import io.statewall.controller.app.App;
import io.statewall.controller.launch.AppAssembler;
import io.statewall.controller.launch.RunLimits;
import io.statewall.controller.launch.RunOptions;
import io.statewall.controller.launch.UserError;
import io.statewall.controller.roles.WriteFence;
import io.statewall.operator.api.ApiSources;
import io.statewall.topology.TopologyApp;
import io.statewall.topology.TopologyService;
import io.statewall.topology.TopologySettings;
import io.statewall.topology.discovery.LldpSigner;
import java.nio.file.Path;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The composition root of {@code run}: loads the policy and builds every app of the process. */
public final class FirewallAssembler implements AppAssembler {
  private static final Logger log = LoggerFactory.getLogger(FirewallAssembler.class);

  private final Firewall.DecisionListener listener;
  private final CtConfig conntrack;
  private final PacketInGuard.Limits packetIns;
  private final FlowModLimits flowMods;
  /** The operator API's metrics (issue 9): told of every decision alongside {@link #listener}. */
  private final FirewallMetrics metrics = new FirewallMetrics();
  private FirewallApp firewall;
  private PacketInGuard guard;
  private TableMissMeters meters;
  private TopologyApp topology;
  /** The topology's LLDP signer: a process's own random key, or the cluster's once committed. */
  private LldpSigner lldpSigner;
  /** How a cluster member is made (tests put members in one JVM). */
  private ClusterWiring.Setup clusterSetup = ClusterWiring.Setup.TCP;
  /** Conntrack's clock (tests move one by hand to see what expires). */
  private InstantSource conntrackClock = InstantSource.system();
  /** The cluster part of the last {@link #assemble(RunOptions)}, when it had {@code --cluster}. */
  private ClusterWiring cluster;

  public FirewallAssembler() {
    this(Firewall.DecisionListener.NONE);
  }

  public FirewallAssembler(Firewall.DecisionListener listener) {
    this(listener, CtConfig.defaults());
  }

  /** With conntrack limits of its own (the bench's in-process controller tracks a million). */
  public FirewallAssembler(Firewall.DecisionListener listener, CtConfig conntrack) {
    this(listener, conntrack, PacketInGuard.Limits.DEFAULTS, FlowModLimits.DEFAULTS);
  }

  /** With flood limits of its own: packet-ins per port and switch, flow-mods per switch. */
  public FirewallAssembler(Firewall.DecisionListener listener, CtConfig conntrack, PacketInGuard.Limits packetIns,
      FlowModLimits flowMods) {
    this.listener = listener;
    this.conntrack = conntrack;
    this.packetIns = packetIns;
    this.flowMods = flowMods;
  }

  /** Conntrack timed by {@code clock} instead of the system's (tests). */
  FirewallAssembler withConntrackClock(InstantSource clock) {
    this.conntrackClock = clock;
    return this;
  }

  /** Members made with {@code setup} instead of TCP between processes (tests: several in one JVM). */
  FirewallAssembler withClusterSetup(ClusterWiring.Setup setup) {
    this.clusterSetup = setup;
    return this;
  }

  /**
   * For {@code run}: the apps, plus reloading on file change and SIGHUP. With {@code --cluster}, also the
   * member, its role requests and readiness (after the firewall, which they steer); a reload or an API
   * apply then commits the policy for every member to compile.
   */
  @Override
  public List<App> assemble(RunOptions options) throws UserError {
    RunLimits l = options.limits();
    List<App> apps = new ArrayList<>(assemble(options.policy(), conntrack.withMaxEntries(l.conntrackMax()),
        new PacketInGuard.Limits(l.portPacketInRate(), 2 * l.portPacketInRate(), l.switchPacketInRate(),
            2 * l.switchPacketInRate()),
        new FlowModLimits(l.flowModRate(), l.flowModRate(), flowMods.dropShare(), flowMods.tableFullBackoffSeconds())));
    cluster = null;
    if (options.cluster().isPresent()) {
      PolicyText.Loaded local;
      try {
        local = PolicyText.read(options.policy(), new PolicyLoader());
      } catch (PolicyException e) {
        throw new UserError(e.getMessage());
      }
      cluster = new ClusterWiring(options.cluster().get(), clusterSetup, firewall, topology.manager(),
          lldpSigner, l.conntrackMax(), local);
      apps.addAll(cluster.apps());
      apps.add(new PolicyReloader(options.policy(), cluster.reloads(), true));
    } else {
      apps.add(new PolicyReloader(options.policy(), new PolicyLoader(), firewall, true));
    }
    // the operator API, last: it reads the firewall, through narrow views, once that has started
    FirewallApp fw = firewall;
    TopologyService network = topology.service();
    OperatorViews.Guards guards = new OperatorViews.Guards(guard, meters);
    ClusterWiring member = cluster;
    ApiApp.forRun(options, ctx -> {
      ApiSources here = OperatorViews.of(fw, network, ctx.switches(), guards);
      return member == null ? here : new ApiSources(here.conntrack(), here.offloads(), here.topology(),
          member.policyControl(here.policy()), here.metrics(), member.status());
    }, metrics).ifPresent(apps::add);
    return apps;
  }

  /** A cluster member's controller writes to a switch only where the switch confirmed it master. */
  @Override
  public Optional<WriteFence> fence() {
    return cluster == null ? Optional.empty() : Optional.of(cluster.fence());
  }

  /** The cluster part of the last {@link #assemble(RunOptions)}, if it was a member's. */
  Optional<ClusterWiring> cluster() {
    return Optional.ofNullable(cluster);
  }

  /**
   * The packet-in guard first (it drops what is over the limits before anyone works on it), then
   * topology (it learns hosts and links from packet-ins before the firewall judges them).
   */
  public List<App> assemble(Path policyFile) throws UserError {
    return assemble(policyFile, conntrack, packetIns, flowMods);
  }

  private List<App> assemble(Path policyFile, CtConfig conntrack, PacketInGuard.Limits packetIns,
      FlowModLimits flowMods) throws UserError {
    Policy policy = load(policyFile);
    policy.warnings().forEach(w -> log.warn("{}", w));
    lldpSigner = LldpSigner.withRandomKey();
    topology = TopologyApp.create(TopologySettings.DEFAULTS, lldpSigner);
    ConnTracker tracker = new ShardedConnTracker(conntrack, conntrackClock,
        List.of(new FtpHelper()));
    FirewallParts parts = FirewallParts.build(new FirewallParts.Inputs(new PolicyHolder(policy), tracker,
        topology.service(), FirewallSettings.DEFAULTS, (p, at, j) -> {
          metrics.decided(p, at, j);
          listener.decided(p, at, j);
        }, new FlowModBudget(flowMods, System::nanoTime)));
    firewall = new FirewallApp(parts);
    // the same limits in the switches (where they have meters) and in the controller (always)
    guard = new PacketInGuard(packetIns, System::nanoTime);
    // through the flow service: table-miss and meter entries count in the one budget too
    FlowProgrammer flows = parts.flows();
    meters = new TableMissMeters(packetIns,
        (sw, msgs) -> flows.write(sw, FlowProgrammer.Purpose.TABLE_MISS, msgs));
    List<App> apps = new ArrayList<>(List.of(guard, meters, topology));
    // the firewall's parts side by side, then the app that ties them to conntrack and the policy
    apps.addAll(parts.apps());
    apps.add(firewall);
    return List.copyOf(apps);
  }

  /** The firewall app of the last {@link #assemble}, for callers that steer it (reload, API). */
  public FirewallApp firewall() {
    return firewall;
  }

  /** The topology of the last {@link #assemble}, for tests that read what it learned. */
  TopologyApp topology() {
    return topology;
  }

  /** The packet-in guard of the last {@link #assemble}, for its figures. */
  public PacketInGuard guard() {
    return guard;
  }

  static Policy load(Path file) throws UserError {
    try {
      return new PolicyLoader().load(file);
    } catch (PolicyException e) {
      throw new UserError(e.getMessage());
    }
  }
}
