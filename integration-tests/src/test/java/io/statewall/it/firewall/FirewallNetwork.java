package io.statewall.it.firewall;

import io.statewall.apps.firewall.FirewallApp;
import io.statewall.apps.main.FirewallAssembler;
import io.statewall.controller.Controller;
import io.statewall.controller.ControllerConfig;
import io.statewall.mininet.MininetNetwork;
import io.statewall.mininet.OpenFlowVersion;
import io.statewall.mininet.Topology;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

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
    FirewallAssembler assembler = new FirewallAssembler();
    Controller controller = new Controller(ControllerConfig.defaults().withListen("127.0.0.1", 0),
        assembler.assemble(policy));
    InetSocketAddress at = controller.start();
    try {
      MininetNetwork net = MininetNetwork.builder().topology(topology)
          .controller("127.0.0.1", at.getPort())
          .openFlowVersions(versions.length == 0 ? new OpenFlowVersion[] {OpenFlowVersion.OF_13} : versions)
          .start();
      net.awaitControllerConnections(Duration.ofSeconds(20));
      return new FirewallNetwork(controller, assembler.firewall(), net);
    } catch (RuntimeException | Error e) {
      controller.close();
      throw e;
    }
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
