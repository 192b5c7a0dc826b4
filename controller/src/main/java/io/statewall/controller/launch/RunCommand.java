package io.statewall.controller.launch;

import io.statewall.controller.Controller;
import io.statewall.controller.ControllerConfig;
import io.statewall.controller.SwitchAdmission;
import io.statewall.controller.app.App;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import org.projectfloodlight.openflow.types.DatapathId;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** `statewall run`: starts the controller with a policy and serves switches until SIGINT/SIGTERM. */
@Command(
    name = "run",
    mixinStandardHelpOptions = true,
    versionProvider = ManifestVersionProvider.class,
    description = "Run the controller: OpenFlow switches connect to it and enforce the policy.")
final class RunCommand implements Callable<Integer> {
  static final String CONFIG_OPTION = "--config";

  @Spec CommandSpec spec;

  @Option(names = CONFIG_OPTION, paramLabel = "FILE",
      description = "YAML file of run's options: one key per option, named without its dashes "
          + "(policy: FILE, port-packet-in-rate: 20000, clear-flows-on-connect: true); relative paths are "
          + "from the file's directory; options on the command line win. Check it with 'statewall config check'.")
  Path config;

  // required, but it may come from --config: checked in options()
  @Option(names = "--policy", paramLabel = "FILE",
      description = "Policy file (YAML) binding iptables rule files to hosts and the network (required).")
  Path policy;

  @Option(names = "--listen", paramLabel = "HOST:PORT", converter = HostPort.Converter.class,
      defaultValue = "127.0.0.1:6653",
      description = "Address and port switches connect to (default: ${DEFAULT-VALUE}). A non-loopback "
          + "address needs TLS (--tls-cert, --tls-key, --tls-ca) or --insecure-switches.")
  HostPort listen;

  @Option(names = "--insecure-switches",
      description = "Accept switches on a non-loopback --listen address without TLS: anyone who can reach "
          + "it can then claim to be a switch (see docs/security.md).")
  boolean insecureSwitches;

  @Option(names = "--allow-dpid", paramLabel = "DPID[,DPID...]", split = ",",
      description = "Accept only switches with these datapath ids (16 hex digits, colons allowed, or 0x...); "
          + "repeatable. Default: any.")
  List<String> allowDpids;

  @Option(names = "--tls-switch-name", paramLabel = "NAME=DPID[,DPID...]",
      description = "With TLS: a switch certificate whose CN or subject alternative name is NAME may claim "
          + "these datapath ids (besides the ids its names spell as dpid:<16 hex digits>); repeatable.")
  List<String> tlsSwitchNames;

  @Option(names = "--echo-interval", paramLabel = "DURATION", converter = DurationConverter.class,
      defaultValue = "5s",
      description = "Send an echo request to a switch silent this long (5s, 500ms, 2m); drop it when "
          + "silent twice as long (default: ${DEFAULT-VALUE}).")
  Duration echoInterval;

  @Option(names = "--log-format", paramLabel = "FORMAT", defaultValue = "text",
      converter = LogFormat.Converter.class,
      description = "Log lines as 'text' (one line an event; with a syslog priority prefix and no time stamp "
          + "under systemd's journal) or 'json' (one JSON object a line) (default: ${DEFAULT-VALUE}).")
  LogFormat logFormat;

  @Option(names = "--tls-cert", paramLabel = "PEM",
      description = "Controller certificate; with --tls-key and --tls-ca switches must connect over TLS.")
  Path tlsCert;

  @Option(names = "--tls-key", paramLabel = "PEM", description = "Private key of --tls-cert (PKCS#8 PEM).")
  Path tlsKey;

  @Option(names = "--tls-ca", paramLabel = "PEM",
      description = "CA certificate that switch certificates must be signed by.")
  Path tlsCa;

  @Option(names = "--api", paramLabel = "HOST:PORT|off", defaultValue = ApiConfig.DEFAULT_ADDRESS,
      description = "Where the operator's HTTP API and /metrics listen, or 'off' (default: ${DEFAULT-VALUE}). "
          + "Every request needs the bearer token of --api-token-file.")
  String api;

  @Option(names = "--api-token-file", paramLabel = "FILE",
      description = "File holding the bearer token every API request must send; created (random, mode 0600) "
          + "when missing (default: $STATEWALL_API_TOKEN_FILE, else /var/lib/statewall/api-token as root, "
          + "~/.statewall/api-token otherwise; the CLI reads the same).")
  Path apiTokenFile;

  @Option(names = "--api-allowed-host", paramLabel = "NAME",
      description = "A name clients reach the API by (its Host header), beyond the listen address and "
          + "localhost; repeatable. Other Host headers are refused (DNS rebinding).")
  List<String> apiAllowedHosts = new ArrayList<>();

  @Option(names = "--api-tls-cert", paramLabel = "PEM",
      description = "Serve the API over HTTPS with this certificate (chain); needs --api-tls-key.")
  Path apiTlsCert;

  @Option(names = "--api-tls-key", paramLabel = "PEM", description = "Private key of --api-tls-cert (PKCS#8 PEM).")
  Path apiTlsKey;

  @Option(names = "--clear-flows-on-connect",
      description = "Delete every flow entry of a switch when it connects, instead of keeping the entries "
          + "and reconciling them with conntrack (keeping lets established connections survive a switch "
          + "reconnect or a controller restart).")
  boolean clearFlowsOnConnect;

  @Option(names = "--cluster", paramLabel = "NAME",
      description = "Be a member of the controller cluster NAME (docs/cluster.md): every member lists the same "
          + "--peers, each switch has one master among them, and the policy is shared. Needs --member and --peers; "
          + "switches' flows are kept on connect. In a config file: a section 'cluster:' with name, member, peers. "
          + "Default: no cluster, this controller on its own.")
  String cluster;

  @Option(names = {"--member", "--cluster-member"}, paramLabel = "ID",
      description = "With --cluster: this controller's member id, one of the ids of --peers.")
  String member;

  @Option(names = {"--peers", "--cluster-peers"}, paramLabel = "ID=HOST:PORT", split = ",",
      description = "With --cluster: every member, this one included, as its id and the address its cluster "
          + "traffic uses (this member listens on its own); the same list on every member.")
  List<String> peers;

  @Option(names = "--cluster-mastership", paramLabel = "per-switch|network",
      description = "With --cluster: per-switch spreads the switches over the members (right when no "
          + "connection's path crosses switches of two masters: one switch per site, or switches with disjoint "
          + "hosts); network gives every switch to one member, the others hot standbys, for switches joined by "
          + "links. The first leader's setting is committed for the cluster. In a config file: 'mastership' in "
          + "the cluster section. Default: per-switch.")
  String mastership;

  @Option(names = "--cluster-balance-after", paramLabel = "SECONDS",
      description = "With --cluster: once the members' switch connections have stayed the same this long, the "
          + "Raft leader moves every switch whose master the connection order left (a switch stays with the "
          + "first member that declared it, or with the heir of a connection that dropped and came back) to "
          + "its rendezvous winner, so the members share the switches; 0 never does. In a config file: "
          + "'balance-after' in the cluster section. Default: "
          + ClusterOptions.DEFAULT_BALANCE_AFTER_SECONDS + ".")
  Long balanceAfter;

  @Option(names = "--conntrack-max", paramLabel = "N", defaultValue = "262144",
      description = "Connections tracked at most (nf_conntrack_max); when full, unassured ones are dropped "
          + "early to make room, as Linux does (default: ${DEFAULT-VALUE}).")
  int conntrackMax;

  @Option(names = "--port-packet-in-rate", paramLabel = "PER_SECOND", defaultValue = "20000",
      description = "Packet-ins a second one switch port may send to the controller: a meter in switches "
          + "that have meters, a token bucket in the controller always (default: ${DEFAULT-VALUE}).")
  double portPacketInRate;

  @Option(names = "--switch-packet-in-rate", paramLabel = "PER_SECOND", defaultValue = "200000",
      description = "Packet-ins a second one whole switch may send (default: ${DEFAULT-VALUE}).")
  double switchPacketInRate;

  @Option(names = "--flow-mod-rate", paramLabel = "PER_SECOND", defaultValue = "50000",
      description = "Flow-mods a second written to one switch; drop entries are the first to be skipped "
          + "(default: ${DEFAULT-VALUE}).")
  double flowModRate;

  private final AppAssembler assembler;
  private final ShutdownHooks hooks;
  private final PrintWriter out;
  /** The config file this copy's defaults came from, once {@link #withConfig} has applied it. */
  private RunConfigFile applied;

  RunCommand(AppAssembler assembler, ShutdownHooks hooks, PrintWriter out) {
    this.assembler = assembler;
    this.hooks = hooks;
    this.out = out;
  }

  @Override
  public Integer call() throws UserError, InterruptedException {
    if (config != null && applied == null) {
      return withConfig(originalArgs()).call();
    }
    RunOptions options = options();
    List<App> apps = assembler.assemble(options);
    Controller controller = new Controller(options.controller(), apps, assembler.fence());
    InetSocketAddress bound;
    try {
      bound = controller.start();
    } catch (IOException e) {
      throw new UserError(PolicyFileCheck.oneLine(e.getMessage()), e);
    } catch (UncheckedIOException e) {
      // an app that cannot bind its own port (the HTTP API) fails start the same way
      throw new UserError(PolicyFileCheck.oneLine(e.getCause().getMessage()), e);
    }
    hooks.add(new Thread(controller::close, "statewall-shutdown"));
    out.printf("statewall %s: listening on %s with policy %s%s (Ctrl-C stops)%n",
        ManifestVersionProvider.version(), new HostPort(bound.getHostString(), bound.getPort()), policy,
        options.cluster().map(c -> ", member " + c.member() + " of cluster " + c.name() + " on " + c.self())
            .orElse(""));
    out.flush();
    controller.awaitClosed();
    return 0;
  }

  private static boolean isLoopback(String host) throws UserError {
    try {
      return InetAddress.getByName(host).isLoopbackAddress();
    } catch (UnknownHostException e) {
      throw new UserError("--listen: unknown host " + host);
    }
  }

  private SwitchAdmission admission(boolean tls) throws UserError {
    Optional<Set<DatapathId>> allowed = Optional.empty();
    try {
      if (allowDpids != null) {
        Set<DatapathId> ids = new HashSet<>();
        for (String id : allowDpids) {
          ids.add(SwitchAdmission.parseDatapathId(id));
        }
        allowed = Optional.of(ids);
      }
      Map<String, Set<DatapathId>> names = new HashMap<>();
      if (tlsSwitchNames != null) {
        if (!tls) {
          throw new UserError("--tls-switch-name needs TLS (--tls-cert, --tls-key, --tls-ca)");
        }
        for (String binding : tlsSwitchNames) {
          int eq = binding.lastIndexOf('=');
          if (eq < 1 || eq == binding.length() - 1) {
            throw new UserError("--tls-switch-name " + binding + ": expected NAME=DPID[,DPID...]");
          }
          Set<DatapathId> ids = names.computeIfAbsent(binding.substring(0, eq), k -> new HashSet<>());
          for (String id : binding.substring(eq + 1).split(",")) {
            ids.add(SwitchAdmission.parseDatapathId(id));
          }
        }
      }
      return new SwitchAdmission(allowed, names);
    } catch (IllegalArgumentException e) {
      throw new UserError(e.getMessage());
    }
  }

  /** The options as parsed (and taken from --config), checked. */
  RunOptions options() throws UserError {
    if (policy == null) {
      if (applied != null) {
        throw new UserError("no policy: give --policy FILE or the key 'policy' in " + applied.file());
      }
      throw new ParameterException(spec.commandLine(), "Missing required option: '--policy=FILE'");
    }
    PolicyFileCheck.check(policy);
    Optional<ControllerConfig.Tls> tls = tls();
    if (tls.isEmpty() && !isLoopback(listen.host())) {
      if (!insecureSwitches) {
        throw new UserError("--listen " + listen + " is not a loopback address: switches there must use TLS "
            + "(--tls-cert, --tls-key, --tls-ca), or give --insecure-switches to let anyone who reaches it "
            + "claim to be a switch");
      }
      out.printf("statewall: warning: switches connect to %s without TLS (--insecure-switches): anyone who "
          + "reaches it can claim to be a switch%n", listen);
    }
    Optional<ClusterOptions> clustered = cluster();
    if (clustered.isPresent() && clearFlowsOnConnect) {
      throw new UserError("--clear-flows-on-connect cannot be used with --cluster: a member joining would wipe the "
          + "entries the switch's master installed (a cluster keeps flows and reconciles them)");
    }
    ControllerConfig config =
        ControllerConfig.defaults()
            .withListen(listen.host(), listen.port())
            .withEchoInterval(echoInterval)
            .withTls(tls)
            .withAdmission(admission(tls.isPresent()))
            .withFlowsOnConnect(clearFlowsOnConnect
                ? ControllerConfig.FlowsOnConnect.CLEAR : ControllerConfig.FlowsOnConnect.KEEP);
    RunLimits limits;
    try {
      limits = new RunLimits(conntrackMax, portPacketInRate, switchPacketInRate, flowModRate);
    } catch (IllegalArgumentException e) {
      throw new UserError(e.getMessage());
    }
    return new RunOptions(policy, config,
        new ApiConfig(api, apiTokenFile, apiTlsCert, apiTlsKey, apiAllowedHosts), limits, logFormat, clustered);
  }

  /** --cluster, --member and --peers, checked together; empty when none is given. */
  private Optional<ClusterOptions> cluster() throws UserError {
    if (cluster == null) {
      if (member != null || peers != null || mastership != null || balanceAfter != null) {
        throw new UserError((member != null ? "--member" : peers != null ? "--peers"
            : mastership != null ? "--cluster-mastership" : "--cluster-balance-after")
            + " needs --cluster NAME");
      }
      return Optional.empty();
    }
    if (member == null || peers == null || peers.isEmpty()) {
      throw new UserError("--cluster " + cluster + " needs --member ID and --peers ID=HOST:PORT,... (every member, "
          + "this one included)");
    }
    List<ClusterOptions.Peer> parsed = new ArrayList<>();
    for (String p : peers) {
      try {
        parsed.add(ClusterOptions.Peer.parse(p.strip()));
      } catch (IllegalArgumentException e) {
        throw new UserError("--peers: " + e.getMessage());
      }
    }
    ClusterOptions options;
    try {
      options = new ClusterOptions(cluster, member, parsed,
          mastership == null ? ClusterOptions.DEFAULT_MASTERSHIP : mastership,
          java.time.Duration.ofSeconds(balanceAfter == null ? ClusterOptions.DEFAULT_BALANCE_AFTER_SECONDS : balanceAfter));
    } catch (IllegalArgumentException e) {
      throw new UserError("--cluster: " + e.getMessage());
    }
    for (ClusterOptions.Peer p : options.peers()) {
      boolean loopback;
      try {
        loopback = InetAddress.getByName(p.address().host()).isLoopbackAddress();
      } catch (UnknownHostException e) {
        throw new UserError("--peers: unknown host " + p.address().host());
      }
      if (!loopback) {
        out.printf("statewall: warning: cluster traffic to %s is neither encrypted nor authenticated: keep the "
            + "members on a network only they reach%n", p);
      }
    }
    return Optional.of(options);
  }

  /**
   * A copy of this command parsed again from {@code args} with the config file's values as defaults:
   * picocli applies them as it applies annotation defaults, with its own converters, so the command
   * line wins and a new option of {@code run} is a key with no code here.
   */
  RunCommand withConfig(List<String> args) throws UserError {
    RunConfigFile file = RunConfigFile.load(config, spec);
    RunCommand again = new RunCommand(assembler, hooks, out);
    again.applied = file;
    CommandLine cli = new CommandLine(again);
    cli.setDefaultValueProvider(file);
    try {
      cli.parseArgs(args.toArray(String[]::new));
    } catch (ParameterException e) {
      if (e.getArgSpec() instanceof OptionSpec o && file.sets(o)
          && !cli.getParseResult().hasMatchedOption(o.longestName())) {
        throw new UserError(RunConfigFile.where(file.file(), RunConfigFile.key(o))
            + PolicyFileCheck.oneLine(e.getMessage()), e);
      }
      throw new UserError(PolicyFileCheck.oneLine(e.getMessage()), e);
    }
    return again;
  }

  /** The arguments given to {@code run} (after its name on the command line). */
  private List<String> originalArgs() {
    List<String> all = spec.commandLine().getParseResult().originalArgs();
    CommandLine root = spec.commandLine();
    while (root.getParent() != null) {
      root = root.getParent();
    }
    // the top level has no options that take a value, so the first "run" is this command's name
    int at = root == spec.commandLine() ? -1 : all.indexOf(spec.name());
    return all.subList(at + 1, all.size());
  }

  /** The options a config file gives, with no command line: what {@code config check} checks. */
  static RunOptions resolve(Path configFile) throws UserError {
    RunCommand command = new RunCommand(options -> List.of(), ShutdownHooks.JVM, new PrintWriter(System.out, true));
    new CommandLine(command);
    command.config = configFile;
    return command.withConfig(List.of()).options();
  }

  private Optional<ControllerConfig.Tls> tls() throws UserError {
    if (tlsCert == null && tlsKey == null && tlsCa == null) {
      return Optional.empty();
    }
    if (tlsCert == null || tlsKey == null || tlsCa == null) {
      throw new UserError("--tls-cert, --tls-key and --tls-ca must be given together");
    }
    for (Path file : List.of(tlsCert, tlsKey, tlsCa)) {
      if (!Files.isReadable(file) || Files.isDirectory(file)) {
        throw new UserError("cannot read TLS file " + file);
      }
    }
    return Optional.of(new ControllerConfig.Tls(tlsCert, tlsKey, tlsCa));
  }
}
