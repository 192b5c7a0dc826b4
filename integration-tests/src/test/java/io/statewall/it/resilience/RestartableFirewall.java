package io.statewall.it.resilience;

import io.statewall.firewall.Firewall;
import io.statewall.firewall.FirewallApp;
import io.statewall.firewall.FlowReconciler;
import io.statewall.apps.main.FirewallAssembler;
import io.statewall.controller.Controller;
import io.statewall.controller.ControllerConfig;
import io.statewall.controller.app.App;
import io.statewall.it.firewall.SwitchEntries;
import io.statewall.mininet.BackgroundProcess;
import io.statewall.mininet.ExecResult;
import io.statewall.mininet.FlowEntry;
import io.statewall.mininet.Host;
import io.statewall.mininet.MininetNetwork;
import io.statewall.mininet.Topology;
import io.statewall.topology.TopologyApp;
import io.statewall.topology.TopologyService;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.function.BooleanSupplier;

/**
 * statewall in-process on a fixed loopback port, keeping switches' flow tables on connect as
 * {@code statewall run} does, so that it can be stopped and a new one started on the same port
 * while a Mininet network of real OVS switches (fail-secure) keeps running.
 */
final class RestartableFirewall implements AutoCloseable {
  static final Path EXAMPLES = Path.of("..", "examples").toAbsolutePath().normalize();

  /** One controller process's worth of state. */
  record Running(Controller controller, FirewallApp firewall, TopologyService topology) {
    FlowReconciler reconciler() {
      return firewall.reconciler();
    }
  }

  private final Firewall.DecisionListener listener;
  private int port;
  Running now;
  MininetNetwork net;
  private String probe;

  RestartableFirewall(Firewall.DecisionListener listener) {
    this.listener = listener;
  }

  /** Starts a controller with {@code policy} (on the port of the earlier ones, if any). */
  Running startController(Path policy) throws Exception {
    FirewallAssembler assembler = new FirewallAssembler(listener);
    List<App> apps = assembler.assemble(policy);
    Controller controller = new Controller(ControllerConfig.defaults().withListen("127.0.0.1", port)
        .withFlowsOnConnect(ControllerConfig.FlowsOnConnect.KEEP), apps);
    InetSocketAddress at = controller.start();
    port = at.getPort();
    TopologyService topology = apps.stream().filter(TopologyApp.class::isInstance)
        .map(a -> ((TopologyApp) a).service()).findFirst().orElseThrow();
    now = new Running(controller, assembler.firewall(), topology);
    return now;
  }

  void stopController() {
    now.controller().close();
  }

  void startNetwork(Topology topology) throws Exception {
    net = MininetNetwork.builder().topology(topology).controller("127.0.0.1", port).start();
    net.awaitControllerConnections(Duration.ofSeconds(20));
    probe = "/tmp/statewall-probe-" + net.id() + ".py";
    String b64;
    try (InputStream in = RestartableFirewall.class.getResourceAsStream("/io/statewall/it/firewall/probe.py")) {
      b64 = Base64.getEncoder().encodeToString(in.readAllBytes());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    net.hosts().get(0).exec("echo " + b64 + " | base64 -d > " + probe).orThrow();
  }

  static String ip(String host) {
    return "10.0.0." + host.substring(1);
  }

  /** A TCP connection attempt: connected, refused, dropped, ... (probe.py's outcome words). */
  String tcp(String from, String to, int port) {
    ExecResult r = net.host(from).exec("exec /usr/bin/python3 " + probe + " tcp " + ip(to) + " " + port,
        Duration.ofSeconds(20));
    return r.succeeded() ? r.stdout().trim() : "error:" + r.stderr().trim();
  }

  String goFile(String tag) {
    return "/tmp/statewall-go-" + net.id() + "-" + tag;
  }

  void go(String tag) {
    net.hosts().get(0).exec("touch " + goFile(tag)).orThrow();
  }

  /** A long-lived connection to an echo server: round 1 now, round N after {@code go(tag + N)}. */
  BackgroundProcess hold(String from, String to, int port, String tag, int rounds) {
    return net.host(from).start("exec /usr/bin/python3 -u " + probe + " hold " + ip(to) + " " + port + " "
        + goFile(tag) + " " + rounds);
  }

  /** An echo server on {@code port} of {@code host}, listening when this returns. */
  BackgroundProcess echo(String host, int port) throws InterruptedException {
    Host h = net.host(host);
    BackgroundProcess p = h.start("exec socat TCP-LISTEN:" + port + ",fork,reuseaddr EXEC:cat");
    await(host + " listens on " + port, Duration.ofSeconds(10),
        () -> h.exec("ss -ltn 'sport = :" + port + "' | grep -q :" + port).succeeded());
    return p;
  }

  String mac(String host) {
    return net.host(host).exec("cat /sys/class/net/" + host + "-eth0/address").orThrow().stdout().trim();
  }

  /** statewall's forwarding entries (not the FIN/RST traps) on {@code sw} whose match has every part. */
  List<FlowEntry> connectionEntries(String sw, String... parts) {
    return SwitchEntries.connections(net.ovsSwitch(sw), parts);
  }

  static void await(String what, Duration timeout, BooleanSupplier condition) throws InterruptedException {
    SwitchEntries.await(what, timeout, condition);
  }

  static Path write(Path dir, String name, String text) throws IOException {
    Files.createDirectories(dir);
    return Files.writeString(dir.resolve(name), text);
  }

  @Override
  public void close() {
    try {
      if (net != null) {
        net.close();
      }
    } finally {
      if (now != null) {
        now.controller().close();
      }
    }
  }
}
