package io.statewall.it.firewall;

import io.statewall.firewall.Firewall;
import io.statewall.firewall.FirewallApp;
import io.statewall.apps.main.FirewallAssembler;
import io.statewall.controller.Controller;
import io.statewall.controller.app.App;
import io.statewall.controller.ControllerConfig;
import io.statewall.mininet.FlowEntry;
import io.statewall.mininet.MininetNetwork;
import io.statewall.mininet.OpenFlowVersion;
import io.statewall.mininet.Topology;
import io.statewall.topology.TopologyApp;
import io.statewall.topology.TopologyService;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.function.BooleanSupplier;

/** statewall in-process on loopback, enforcing a policy on a Mininet network of real OVS switches. */
final class FirewallNetwork implements AutoCloseable {
  /** The repository's examples, from the integration-tests module's working directory. */
  static final Path EXAMPLES = Path.of("..", "examples").toAbsolutePath().normalize();

  final Controller controller;
  final FirewallApp firewall;
  final MininetNetwork net;

  private FirewallNetwork(Controller controller, FirewallApp firewall, MininetNetwork net) {
    this.controller = controller;
    this.firewall = firewall;
    this.net = net;
  }

  static FirewallNetwork start(Path policy, Topology topology, OpenFlowVersion... versions) throws Exception {
    return start(policy, topology, Firewall.DecisionListener.NONE, versions);
  }

  /** As {@link #start(Path, Topology, OpenFlowVersion...)}, telling {@code listener} of every judgement. */
  static FirewallNetwork start(Path policy, Topology topology, Firewall.DecisionListener listener,
      OpenFlowVersion... versions) throws Exception {
    FirewallAssembler assembler = new FirewallAssembler(listener);
    List<App> apps = assembler.assemble(policy);
    Controller controller = new Controller(ControllerConfig.defaults().withListen("127.0.0.1", 0), apps);
    InetSocketAddress at = controller.start();
    MininetNetwork net = null;
    try {
      net = MininetNetwork.builder().topology(topology)
          .controller("127.0.0.1", at.getPort())
          .openFlowVersions(versions.length == 0 ? new OpenFlowVersion[] {OpenFlowVersion.OF_13} : versions)
          .start();
      net.awaitControllerConnections(Duration.ofSeconds(20));
      // until LLDP has found every cable, a host's flooded packet can teach the controller a wrong
      // attachment and connections take broken paths: tests start on a discovered network
      long cables = topology.spec().links().stream()
          .filter(l -> l.a().startsWith("s") && l.b().startsWith("s")).count();
      TopologyService links = apps.stream().filter(TopologyApp.class::isInstance)
          .map(a -> ((TopologyApp) a).service()).findFirst().orElseThrow();
      await("LLDP finds all " + cables + " switch links", Duration.ofSeconds(20),
          () -> links.links().size() >= cables);
      return new FirewallNetwork(controller, assembler.firewall(), net);
    } catch (RuntimeException | Error | InterruptedException e) {
      try {
        if (net != null) {
          net.close();
        }
      } finally {
        controller.close();
      }
      throw e;
    }
  }

  /** statewall's forwarding entries (not the FIN/RST traps) on switch {@code sw} whose match contains every part. */
  List<FlowEntry> connectionEntries(String sw, String... matchParts) {
    return SwitchEntries.connections(net.ovsSwitch(sw), matchParts);
  }

  /** Waits until {@code condition} holds; fails saying {@code what} after {@code timeout}. */
  static void await(String what, Duration timeout, BooleanSupplier condition) throws InterruptedException {
    SwitchEntries.await(what, timeout, condition);
  }

  /** Writes {@code text} to a fresh temporary file named {@code name} in {@code dir}. */
  static Path write(Path dir, String name, String text) throws Exception {
    Files.createDirectories(dir);
    return Files.writeString(dir.resolve(name), text);
  }

  @Override
  public void close() {
    try {
      net.close();
    } finally {
      controller.close();
    }
  }
}
