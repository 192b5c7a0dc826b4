package io.statewall.bench;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.common.net.HostAndPort;
import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.projectfloodlight.openflow.protocol.OFVersion;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code statewall bench}: measures how many new connections per second a controller sets up, and
 * how fast, against emulated switches on loopback, next to a no-logic stub measured in the same run.
 * Progress goes to stderr once a second; stdout gets a summary and, as its last line, the JSON result.
 */
@Command(
    name = "bench",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = {
        "Measures new TCP connections set up per second by a controller, with emulated OpenFlow "
            + "switches on loopback, and a stub controller (no logic) measured in the same run.",
        "The last line on stdout is JSON: {\"new_conn_per_s\":…, \"p50_us\":…, \"p99_us\":…, "
            + "\"stub_new_conn_per_s\":…, \"switches\":…, \"rules\":…, \"tracked_connections\":…, \"live_heap_bytes\":…, "
            + "\"alloc_bytes_per_conn\":…, \"timeouts\":…, \"dropped_packet_outs\":…}",
        "With --emulate cbench: {\"emulate\":\"cbench\", \"answers_per_s\":…, \"packet_ins_per_s\":…, \"stub_answers_per_s\":…, …}"})
public final class BenchCommand implements Callable<Integer> {
  /** The OpenFlow versions the emulated switches speak, as the option spells them. */
  private enum Version {
    V1_0("1.0", OFVersion.OF_10), V1_3("1.3", OFVersion.OF_13);

    final String text;
    final OFVersion of;

    Version(String text, OFVersion of) {
      this.text = text;
      this.of = of;
    }

    static Version parse(String s) {
      for (Version v : values()) {
        if (v.text.equals(s)) {
          return v;
        }
      }
      throw new IllegalArgumentException("OpenFlow version must be 1.3 or 1.0, got " + s);
    }
  }

  @Spec
  private CommandSpec spec;

  @Option(names = "--switches", paramLabel = "N", description = "emulated switches (default ${DEFAULT-VALUE})")
  private int switches = 16;

  @Option(names = "--seconds", paramLabel = "S", description = "measured seconds per controller (default ${DEFAULT-VALUE})")
  private int seconds = 10;

  @Option(names = "--rules", paramLabel = "N", description = "rules in the in-process controller's generated policy (default ${DEFAULT-VALUE})")
  private int rules = 1000;

  @Option(names = "--mode", paramLabel = "MODE", description = "throughput (a window per switch) or latency (one outstanding per switch) (default ${DEFAULT-VALUE})")
  private String mode = "throughput";

  @Option(names = {"--controller", "--controllers"}, paramLabel = "HOST:PORT[,HOST:PORT...]", description = "measure running controllers on loopback instead of the in-process one; with several (a cluster), every switch connects to all of them, applies OpenFlow 1.3 roles as Open vSwitch does and sends packet-ins to its master only")
  private String controller;

  @Option(names = "--path-switches", paramLabel = "N", description = "switches on a connection's path: 2 (a host of the neighbour switch) or 1 (another host of the same switch: what a cluster whose members share no topology can serve) (default ${DEFAULT-VALUE})")
  private int pathSwitches = 2;

  @Option(names = "--kill-pids", paramLabel = "PID[,PID...]", description = "with --controllers: the controllers' process ids, in the same order; --kill-after then kills (SIGKILL) the one that masters the most switches and measures kill to new connections served on each of its switches")
  private String killPids;

  @Option(names = "--kill-after", paramLabel = "S", description = "with --kill-pids: seconds into the measured time at which the kill comes (default ${DEFAULT-VALUE})")
  private double killAfterSeconds = 3;

  @Option(names = "--write-policy", paramLabel = "DIR", description = "write the bench policy of --rules rules (policy.yaml and network.rules, as the in-process controller runs it) into DIR, print the policy file's path, and exit: for `statewall run --policy`")
  private java.nio.file.Path writePolicy;

  @Option(names = "--of-version", paramLabel = "V", description = "OpenFlow version the switches speak: 1.3 or 1.0 (default ${DEFAULT-VALUE})")
  private String ofVersion = "1.3";

  @Option(names = "--window", paramLabel = "N", description = "outstanding connections per switch in throughput mode (default ${DEFAULT-VALUE})")
  private int window = 128;

  @Option(names = "--rate", paramLabel = "R", description = "throughput mode: pace new connections to R per second in all (open loop, the window still bounds them); 0 = as fast as they complete (default ${DEFAULT-VALUE})")
  private double rate = 0;

  @Option(names = "--hosts-per-switch", paramLabel = "N", description = "emulated hosts per switch (default ${DEFAULT-VALUE})")
  private int hostsPerSwitch = 4;

  @Option(names = "--expect-flows", paramLabel = "WHICH", description = "what completes a connection for the measured controller besides its packet-out: none (statewall: a SYN is NEW and gets only a packet-out), handshake (the hosts complete the TCP handshake; set up once the entries on the path and the ACK's packet-out arrived: a whole connection), path (a flow-mod on every switch of its path) or ingress (default ${DEFAULT-VALUE})")
  private String expectFlows = "none";

  // one thread for sixteen switches could not read what a controller on two cores wrote (session 4)
  @Option(names = "--generator-threads", paramLabel = "N", description = "event-loop threads of the emulated switches, one per core as the controller has (default ${DEFAULT-VALUE})")
  private int generatorThreads = Runtime.getRuntime().availableProcessors();

  @Option(names = "--controller-threads", paramLabel = "N", description = "event-loop threads of the in-process controller's switches, as `run` has one per core, and of the stub (default ${DEFAULT-VALUE})")
  private int controllerThreads = Runtime.getRuntime().availableProcessors();

  @Option(names = "--ramp-up", paramLabel = "S", description = "seconds of load before measuring starts (default ${DEFAULT-VALUE})")
  private int rampUpSeconds = 2;

  @Option(names = "--emulate", paramLabel = "KIND", description = "statewall (hosts that open TCP connections, as above) or cbench: switches that send packet-ins straight after their features reply, before the handshake ends, from many source MACs, of IP protocol 255, and count the answers; statewall runs an open policy (default ${DEFAULT-VALUE})")
  private String emulate = "statewall";

  @Option(names = "--macs", paramLabel = "N", description = "--emulate cbench: source MACs per switch (default ${DEFAULT-VALUE})")
  private int macs = 1000;

  @Option(names = "--warmup", paramLabel = "S", description = "at most this many seconds of warm-up (discovery, probes) per controller (default ${DEFAULT-VALUE})")
  private int warmupSeconds = 10;

  private final Supplier<InProcessController> inProcess;

  /** A bench with no in-process controller wired: it measures the stub, or {@code --controller}. */
  public BenchCommand() {
    this(null);
  }

  /** A bench that measures the controller {@code inProcess} supplies unless {@code --controller} is given. */
  public BenchCommand(Supplier<InProcessController> inProcess) {
    this.inProcess = inProcess;
  }

  /** Runs the bench on its own, before the launcher wires it as {@code statewall bench}. */
  public static void main(String[] args) {
    System.exit(new picocli.CommandLine(new BenchCommand()).execute(args));
  }

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    if (writePolicy != null) {
      try {
        java.nio.file.Files.createDirectories(writePolicy);
        out.println(BenchPolicy.write(writePolicy, rules, BenchPolicy.SEED));
        out.flush();
        return 0;
      } catch (java.io.IOException | RuntimeException e) {
        err.println("bench: " + e.getMessage());
        return 1;
      }
    }
    if (emulate.equalsIgnoreCase("cbench")) {
      return callCbench(out, err);
    } else if (!emulate.equalsIgnoreCase("statewall")) {
      err.println("bench: --emulate must be statewall or cbench, got " + emulate);
      return 2;
    }
    LoadConfig config;
    List<InetSocketAddress> external = null;
    Failover.Plan plan = null;
    try {
      config = config();
      if (controller != null) {
        external = parseControllers(controller);
      }
      if (rules < 0) {
        throw new IllegalArgumentException("--rules must not be negative");
      }
      plan = failoverPlan(external);
    } catch (IllegalArgumentException e) {
      err.println("bench: " + e.getMessage());
      return 2;
    }
    Consumer<Progress> progress = p -> {
      err.println(p.line());
      err.flush();
    };
    try {
      LoadResult stubResult;
      boolean wholeConnections = config.expectation() == FlowExpectation.HANDSHAKE;
      // as many threads as the controller measured has: a ceiling on one core under one on two was no ceiling
      try (StubController stub = wholeConnections ? StubController.answeringHandshakes(controllerThreads)
          : new StubController(controllerThreads)) {
        InetSocketAddress address = stub.start();
        err.printf("bench: the stub controller (the ceiling), %d switches, %s, %ds%n", switches,
            mode, seconds);
        // whole connections: the stub answers the same messages statewall does (its traps aside)
        stubResult = new LoadGenerator(wholeConnections ? config.withExpectation(FlowExpectation.HANDSHAKE, false)
            : config.forStub()).run(address, "stub", progress);
      }
      Optional<LoadResult> measured = Optional.empty();
      String note = null;
      Optional<InProcessController.Footprint> footprint = Optional.empty();
      if (external != null) {
        err.printf("bench: the controller at %s%n", controller);
        measured = Optional.of(new LoadGenerator(config, plan).run(external,
            external.size() > 1 ? "cluster" : controller, progress));
      } else if (inProcess != null) {
        InProcessRun run = measureInProcess(config, progress, err);
        measured = Optional.of(run.result());
        footprint = run.footprint();
      } else {
        note = "the in-process controller is not wired yet: only the stub was measured "
            + "(use --controller HOST:PORT to measure a running controller)";
        err.println("bench: " + note);
      }
      BenchReport report = new BenchReport(stubResult, measured, switches, rules, footprint);
      if (note != null) {
        out.println("note: " + note);
      }
      out.print(report.summary());
      footprint.ifPresent(f -> out.printf(
          "statewall after the run: %,d tracked connections, %.1f MB live heap (whole bench process, after GC), "
              + "%,d packet-outs dropped (send buffer full), %,d bytes allocated per connection on the switch threads%n",
          f.trackedConnections(), f.liveHeapBytes() / 1e6, f.droppedPacketOuts(), f.allocatedBytesPerConnection()));
      out.println(report.json());
      out.flush();
      return 0;
    } catch (BenchException e) {
      err.println("bench: " + e.getMessage());
      return 1;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      err.println("bench: interrupted");
      return 130;
    }
  }

  /**
   * {@code --emulate cbench}: the stub (answering every packet-in) and then the measured controller
   * (in-process with an open policy, or {@code --controller}), each driven by {@link CbenchSwitch}es.
   */
  private int callCbench(PrintWriter out, PrintWriter err) {
    CbenchConfig config;
    InetSocketAddress external;
    try {
      checkTimes();
      config = new CbenchConfig(switches, hostsPerSwitch, macs, window, Duration.ofSeconds(rampUpSeconds),
          Duration.ofSeconds(seconds), Version.parse(ofVersion).of);
      external = controller == null ? null : parseController(controller);
      if (killPids != null) {
        throw new IllegalArgumentException("--kill-pids is for the statewall emulation, not cbench");
      }
    } catch (IllegalArgumentException e) {
      err.println("bench: " + e.getMessage());
      return 2;
    }
    try {
      CbenchRun run = new CbenchRun(config);
      CbenchRun.Result stub;
      try (StubController s = StubController.answeringEverything(controllerThreads)) {
        InetSocketAddress address = s.start();
        err.printf("bench: cbench-style switches against the stub, %d switches, %d MACs each, %ds%n",
            switches, macs, seconds);
        stub = run.run(address, "stub");
      }
      CbenchRun.Result measured = null;
      if (external != null) {
        err.printf("bench: cbench-style switches against %s%n", controller);
        measured = run.run(external, controller);
      } else if (inProcess != null) {
        try (InProcessController c = inProcess.get()) {
          InetSocketAddress address;
          try {
            address = c.start(0, controllerThreads);
          } catch (InterruptedException e) {
            throw e;
          } catch (Exception e) {
            throw new BenchException("the in-process controller did not start: " + e.getMessage(), e);
          }
          err.printf("bench: cbench-style switches against statewall in-process at %s, open policy%n", address);
          measured = run.run(address, "statewall");
        }
      }
      out.printf("%-12s %16s %14s %12s %9s%n", "controller", "packet-ins/s", "answers/s", "lost/s", "answered");
      for (CbenchRun.Result r : measured == null ? List.of(stub) : List.of(stub, measured)) {
        out.printf("%-12s %,16.0f %,14.0f %,12.0f %8.0f%%%n", r.label(), r.packetInsPerSecond(),
            r.answersPerSecond(), r.lostPerSecond(), 100 * r.answeredShare());
      }
      ObjectNode o = JsonNodeFactory.instance.objectNode();
      o.put("emulate", "cbench");
      if (measured != null) {
        o.put("answers_per_s", Math.round(measured.answersPerSecond()));
        o.put("packet_ins_per_s", Math.round(measured.packetInsPerSecond()));
        o.put("lost_per_s", Math.round(measured.lostPerSecond()));
      } else {
        o.putNull("answers_per_s");
        o.putNull("packet_ins_per_s");
        o.putNull("lost_per_s");
      }
      o.put("stub_answers_per_s", Math.round(stub.answersPerSecond()));
      o.put("stub_packet_ins_per_s", Math.round(stub.packetInsPerSecond()));
      o.put("switches", switches);
      o.put("macs_per_switch", macs);
      out.println(o);
      out.flush();
      return 0;
    } catch (BenchException e) {
      err.println("bench: " + e.getMessage());
      return 1;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      err.println("bench: interrupted");
      return 130;
    }
  }

  /** The in-process controller's run and what it held afterwards. */
  private record InProcessRun(LoadResult result, Optional<InProcessController.Footprint> footprint) {}

  private InProcessRun measureInProcess(LoadConfig config, Consumer<Progress> progress,
      PrintWriter err) throws BenchException, InterruptedException {
    InProcessController made;
    try {
      made = inProcess.get();
    } catch (RuntimeException e) {
      throw new BenchException("the in-process controller could not be made: " + e, e);
    }
    try (InProcessController c = made) {
      InetSocketAddress address;
      try {
        address = c.start(rules, controllerThreads);
      } catch (InterruptedException e) {
        throw e;
      } catch (Exception e) {
        throw new BenchException("the in-process controller did not start: " + e.getMessage(), e);
      }
      err.printf("bench: statewall in-process at %s, %d rules%n", address, rules);
      LoadResult result = new LoadGenerator(config).run(address, "statewall", progress);
      return new InProcessRun(result, c.footprint());
    }
  }

  /** --seconds and --ramp-up, which every kind of run has. */
  private void checkTimes() {
    if (seconds < 1 || seconds > 3600) {
      throw new IllegalArgumentException("--seconds must be 1..3600, got " + seconds);
    }
    if (rampUpSeconds < 0 || rampUpSeconds > 600) {
      throw new IllegalArgumentException("--ramp-up must be 0..600, got " + rampUpSeconds);
    }
  }

  private LoadConfig config() {
    checkTimes();
    if (warmupSeconds < 1 || warmupSeconds > 600) {
      throw new IllegalArgumentException("--warmup must be 1..600, got " + warmupSeconds);
    }
    LoadMode loadMode = parseEnum(LoadMode.class, "--mode", mode);
    LoadConfig base = LoadConfig.of(2, loadMode, Duration.ofSeconds(seconds));
    if (pathSwitches != 1 && pathSwitches != 2) {
      throw new IllegalArgumentException("--path-switches must be 1 or 2, got " + pathSwitches);
    }
    return new LoadConfig(
        new EmulatedNetwork(switches, hostsPerSwitch, pathSwitches == 1),
        loadMode,
        window,
        rate,
        Duration.ofSeconds(rampUpSeconds),
        Duration.ofSeconds(seconds),
        Version.parse(ofVersion).of,
        parseEnum(FlowExpectation.class, "--expect-flows", expectFlows),
        true,
        base.handshakeTimeout(),
        Duration.ofSeconds(warmupSeconds),
        base.connectionTimeout(),
        base.dstPort(),
        generatorThreads);
  }

  private static <E extends Enum<E>> E parseEnum(Class<E> type, String option, String text) {
    for (E e : type.getEnumConstants()) {
      if (e.name().equalsIgnoreCase(text)) {
        return e;
      }
    }
    throw new IllegalArgumentException(option + " must be one of "
        + java.util.Arrays.toString(type.getEnumConstants()).toLowerCase() + ", got " + text);
  }

  /** --kill-pids and --kill-after, checked against the controllers; null without --kill-pids. */
  private Failover.Plan failoverPlan(List<InetSocketAddress> controllers) {
    if (killPids == null) {
      return null;
    }
    if (controllers == null || controllers.size() < 2) {
      throw new IllegalArgumentException("--kill-pids needs --controllers with two or more controllers");
    }
    List<Long> pids = new java.util.ArrayList<>();
    for (String p : killPids.split(",")) {
      try {
        pids.add(Long.parseLong(p.trim()));
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("--kill-pids must be process ids, got " + p);
      }
    }
    if (pids.size() != controllers.size()) {
      throw new IllegalArgumentException("--kill-pids needs one pid per controller: " + pids.size() + " for "
          + controllers.size());
    }
    if (!(killAfterSeconds >= 0) || killAfterSeconds >= seconds) {
      throw new IllegalArgumentException("--kill-after must be 0.." + seconds + " (within --seconds), got "
          + killAfterSeconds);
    }
    return new Failover.Plan(pids, Duration.ofMillis(Math.round(killAfterSeconds * 1000)));
  }

  /** HOST:PORT,HOST:PORT,... each on loopback, none twice. */
  static List<InetSocketAddress> parseControllers(String text) {
    List<InetSocketAddress> list = new java.util.ArrayList<>();
    for (String one : text.split(",")) {
      InetSocketAddress a = parseController(one.trim());
      if (list.contains(a)) {
        throw new IllegalArgumentException("--controllers names " + one.trim() + " twice");
      }
      list.add(a);
    }
    return List.copyOf(list);
  }

  /** HOST:PORT (or [v6]:PORT) that resolves to a loopback address: the bench sends nowhere else. */
  static InetSocketAddress parseController(String text) {
    HostAndPort hp;
    try {
      hp = HostAndPort.fromString(text);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("--controller must be HOST:PORT, got " + text);
    }
    if (!hp.hasPort()) {
      throw new IllegalArgumentException("--controller must be HOST:PORT, got " + text);
    }
    InetSocketAddress a = new InetSocketAddress(hp.getHost(), hp.getPort());
    if (a.isUnresolved() || !a.getAddress().isLoopbackAddress()) {
      throw new IllegalArgumentException(
          "--controller must be on loopback (the bench sends traffic nowhere else), got " + text);
    }
    return a;
  }
}
