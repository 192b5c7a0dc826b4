package io.statewall.demo;

import io.statewall.apps.main.FirewallAssembler;
import io.statewall.apps.main.Logging;
import io.statewall.controller.Controller;
import io.statewall.controller.ControllerConfig;
import io.statewall.controller.launch.LogFormat;
import io.statewall.controller.launch.UserError;
import io.statewall.firewall.Firewall;
import io.statewall.firewall.forwarding.ConnectionCookie;
import io.statewall.firewall.forwarding.ExactMatch;
import io.statewall.mininet.FlowEntry;
import io.statewall.mininet.MininetNetwork;
import io.statewall.mininet.OvsSwitch;
import io.statewall.mininet.Topology;
import io.statewall.netfilter.conntrack.CtState;
import io.statewall.netfilter.judge.Judgement;
import io.statewall.netfilter.packet.IpAddress;
import io.statewall.netfilter.packet.Packet;
import io.statewall.netfilter.policy.Decider;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code statewall demo}: the controller on the seed's policies and a Mininet network of real OVS
 * switches, the seed's traffic with its verdicts, then the network left up to explore.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
    description = {"Run the seed's two examples on an embedded Mininet network and show the verdicts.",
        "Servers behind NEW,ESTABLISHED rules and a desktop doing FTP in all four modes, on Open vSwitch",
        "(userspace datapath). Prints each attempt, its verdict and the rule that decided it, then keeps",
        "the network up for you to try commands until Ctrl-C."})
public final class DemoCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(names = "--policy", paramLabel = "FILE",
      description = "Policy to enforce (default: the repository's examples/seed.yaml).")
  Path policy;

  @Option(names = "--no-wait", description = "Exit after the table instead of keeping the network up.")
  boolean noWait;

  @Option(names = {"-v", "--verbose"}, description = "Show the controller's and the harness's log here "
      + "instead of writing it to --log-file.")
  boolean verbose;

  @Option(names = "--log-file", paramLabel = "FILE",
      description = "Where the log goes without --verbose (default: demo/target/statewall-demo.log in the "
          + "repository, or statewall-demo.log in the temporary directory).")
  Path logFile;

  private record Seen(Packet packet, Judgement judgement) {}

  @Override
  public Integer call() throws Exception {
    // Ctrl-C: the hook lets the main thread close the network and the controller before the JVM ends
    CountDownLatch interrupted = new CountDownLatch(1);
    CountDownLatch cleaned = new CountDownLatch(1);
    Thread hook = new Thread(() -> {
      interrupted.countDown();
      try {
        cleaned.await(60, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }, "statewall-demo-stop");
    Runtime.getRuntime().addShutdownHook(hook);
    try {
      return demo(interrupted);
    } finally {
      cleaned.countDown();
    }
  }

  private int demo(CountDownLatch interrupted) throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    Path policyFile = policy != null ? policy : defaultPolicy();
    // the verdict table is the demo's output: the log (INFO lines, the harness's warnings) goes elsewhere
    if (verbose) {
      Logging.forRun(LogFormat.TEXT);
    } else {
      Path log = logFile != null ? logFile : defaultLogFile();
      Logging.toFile(log);
      out.printf("statewall demo: log in %s (--verbose shows it here)%n", log);
    }
    ConcurrentLinkedQueue<Seen> seen = new ConcurrentLinkedQueue<>();
    FirewallAssembler assembler = new FirewallAssembler((p, at, j) -> seen.add(new Seen(p, j)));
    long t0 = System.nanoTime();
    try (Controller controller = new Controller(ControllerConfig.defaults().withListen("127.0.0.1", 0),
        assembler.assemble(policyFile))) {
      InetSocketAddress at = controller.start();
      out.printf("statewall demo: controller on %s enforcing %s%n", at, policyFile);
      out.println("starting Mininet (4 hosts, 1 Open vSwitch switch, OpenFlow 1.3, fail-secure)...");
      out.flush();
      try (MininetNetwork net = MininetNetwork.builder().topology(Topology.single(4))
              .controller("127.0.0.1", at.getPort()).start();
          SeedLab lab = new SeedLab(net)) {
        net.awaitControllerConnections(Duration.ofSeconds(30));
        lab.startServices();
        out.printf("network up in %.1f s: h1 %s server (SSH, HTTP), h2 %s desktop, h3 %s FTP server, h4 %s outsider%n%n",
            (System.nanoTime() - t0) / 1e9, SeedLab.SERVER, SeedLab.DESKTOP, SeedLab.FTP, SeedLab.OUTSIDER);
        List<String[]> rows = new ArrayList<>();
        List<Long> cookies = new ArrayList<>();
        for (SeedLab.Attempt a : SeedLab.seedAttempts()) {
          seen.clear();
          SeedLab.Outcome o = lab.run(a);
          Optional<Seen> first = seen.stream().filter(s -> concerns(s.packet(), a, net)).findFirst();
          rows.add(new String[] {a.name(), o.detail(),
              first.map(s -> s.judgement().verdict().toString()).orElse("-"),
              first.map(s -> describe(s.judgement())).orElse("-")});
          cookies.add(first.flatMap(s -> ExactMatch.of(s.packet()))
              .map(m -> ConnectionCookie.of(m).getValue()).orElse(0L));
          out.printf("  %-40s %s%n", a.name(), o.detail());
          out.flush();
        }
        // OVS publishes its datapath counters to OpenFlow statistics about once a second: read them
        // once they have settled
        Map<Long, Long> carried = settledCounts(net);
        out.printf("%n%-40s %-24s %-8s %-36s %s%n", "attempt", "outcome", "verdict", "decided by (first packet)",
            "pkts in switch");
        for (int i = 0; i < rows.size(); i++) {
          String[] r = rows.get(i);
          out.printf("%-40s %-24s %-8s %-36s %d%n", r[0], r[1], r[2], r[3], carried.getOrDefault(cookies.get(i), 0L));
        }
        out.println();
        if (noWait) {
          return 0;
        }
        explore(net, out, interrupted);
      }
    }
    return 0;
  }

  /** The packet that decided the attempt: its first TCP packet to the service, or for FTP the data connection's. */
  private static boolean concerns(Packet p, SeedLab.Attempt a, MininetNetwork net) {
    if (!p.isTcp() || !p.dst().equals(IpAddress.parse(a.dstIp()))) {
      return false;
    }
    if (a.related()) {
      return p.dstPort() != 21 && (p.hasTcpFlag(Packet.TCP_SYN) && !p.hasTcpFlag(Packet.TCP_ACK));
    }
    return p.dstPort() == a.dstPort() && p.src().equals(IpAddress.parse(net.host(a.from()).ip()));
  }

  private static String describe(Judgement j) {
    Decider d = j.decidedBy();
    String state = j.state() == CtState.RELATED ? "RELATED " : "";
    if (d == null) {
      return state + (j.reason() != null ? j.reason() : "");
    }
    String file = d.file() == null ? "" : Path.of(d.file()).getFileName().toString();
    return state + (d.line() > 0 ? file + ":" + d.line() : file + " " + d.chain() + " policy");
  }

  /** Packets each connection's entries forwarded without the controller, by cookie, once stable. */
  private static Map<Long, Long> settledCounts(MininetNetwork net) throws InterruptedException {
    Map<Long, Long> last = counts(net);
    long deadline = System.nanoTime() + Duration.ofSeconds(6).toNanos();
    while (System.nanoTime() < deadline) {
      Thread.sleep(700);
      Map<Long, Long> now = counts(net);
      if (now.equals(last)) {
        return now;
      }
      last = now;
    }
    return last;
  }

  private static Map<Long, Long> counts(MininetNetwork net) {
    Map<Long, Long> n = new HashMap<>();
    for (OvsSwitch sw : net.switches()) {
      for (FlowEntry f : sw.dumpFlows()) {
        n.merge(f.cookie(), f.packets(), Long::sum);
      }
    }
    return n;
  }

  /** Lines "HOST COMMAND" run in that host until end of input; then wait for Ctrl-C. */
  private static void explore(MininetNetwork net, PrintWriter out, CountDownLatch interrupted) throws Exception {
    out.println("The network stays up. Type a host and a command, e.g.");
    out.println("  h2 curl -s ftp://10.0.0.3/file.bin | wc -c");
    out.println("  h4 nc -w 2 10.0.0.1 23");
    out.println("  s1 dump-flows");
    out.println("Ctrl-C stops and cleans everything away.");
    out.flush();
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    String line;
    while (interrupted.getCount() > 0 && (line = in.readLine()) != null) {
      line = line.strip();
      if (line.isEmpty()) {
        continue;
      }
      String[] parts = line.split("\\s+", 2);
      try {
        if (parts[0].startsWith("s") && parts.length == 2 && parts[1].equals("dump-flows")) {
          net.ovsSwitch(parts[0]).dumpFlows().forEach(f -> out.println(f));
        } else if (parts.length == 2) {
          var r = net.host(parts[0]).exec(parts[1], Duration.ofSeconds(30));
          out.print(r.stdout());
          out.print(r.stderr());
          out.println("(exit " + r.exitCode() + ")");
        } else {
          out.println("usage: HOST COMMAND   (hosts h1..h4, switch s1 dump-flows)");
        }
      } catch (RuntimeException e) {
        out.println("error: " + e.getMessage());
      }
      out.flush();
    }
    interrupted.await();
    out.println("stopping: removing the network and the controller");
    out.flush();
  }

  private static Path defaultLogFile() {
    String home = System.getenv("STATEWALL_HOME");
    if (home != null && Files.isDirectory(Path.of(home, "demo", "target"))) {
      return Path.of(home, "demo", "target", "statewall-demo.log");
    }
    return Path.of(System.getProperty("java.io.tmpdir"), "statewall-demo.log");
  }

  private static Path defaultPolicy() throws UserError {
    String home = System.getenv("STATEWALL_HOME");
    for (Path p : new Path[] {home == null ? null : Path.of(home, "examples", "seed.yaml"), Path.of("examples", "seed.yaml")}) {
      if (p != null && Files.isReadable(p)) {
        return p;
      }
    }
    throw new UserError("cannot find examples/seed.yaml; run from the repository or give --policy FILE");
  }
}
