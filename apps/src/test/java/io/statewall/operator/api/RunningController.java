package io.statewall.operator.api;

import io.statewall.netfilter.conntrack.TcpFlow;
import io.statewall.firewall.FirewallApp;
import io.statewall.apps.main.FirewallAssembler;
import io.statewall.netfilter.packet.Packet;
import io.statewall.controller.Controller;
import io.statewall.controller.ControllerConfig;
import io.statewall.controller.app.App;
import io.statewall.controller.launch.RunOptions;
import io.statewall.topology.Attachment;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * A controller started as {@code statewall run} starts it (the assembler's apps, a real OpenFlow
 * port and the real HTTP API on loopback), with a policy of its own, and an HTTP client for it.
 */
final class RunningController implements AutoCloseable {
  /** Line 6 of servers.rules: the rule that lets SSH in. */
  static final String SERVERS_RULES = """
      *filter
      :INPUT DROP [0:0]
      :FORWARD DROP [0:0]
      :OUTPUT DROP [0:0]
      -A INPUT -p tcp --dport 80 -m state --state NEW,ESTABLISHED -j ACCEPT
      -A INPUT -p tcp --dport 22 -m state --state NEW,ESTABLISHED -j ACCEPT
      -A OUTPUT -p tcp -m state --state ESTABLISHED -j ACCEPT
      COMMIT
      """;
  /** The same host, but SSH is no longer let in (line 5 is the only INPUT rule). */
  static final String STRICT_RULES = """
      *filter
      :INPUT DROP [0:0]
      :FORWARD DROP [0:0]
      :OUTPUT DROP [0:0]
      -A INPUT -p tcp --dport 80 -m state --state NEW,ESTABLISHED -j ACCEPT
      -A OUTPUT -p tcp -m state --state ESTABLISHED -j ACCEPT
      COMMIT
      """;

  final Path dir;
  final Path policy;
  final Controller controller;
  final FirewallApp firewall;
  final InetSocketAddress api;
  final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  final String token;
  final Path tokenFile;

  /** With the token file made by the controller on its first start (none is written beforehand). */
  RunningController(Path dir) throws Exception {
    this(dir, null, List.of());
  }

  RunningController(Path dir, String tokenFileContent) throws Exception {
    this(dir, tokenFileContent, List.of());
  }

  /** {@code tokenFileContent} null: the controller makes the token file; {@code extra} apps start after the rest. */
  RunningController(Path dir, String tokenFileContent, List<App> extra) throws Exception {
    this.dir = dir;
    Files.writeString(dir.resolve("servers.rules"), SERVERS_RULES);
    Files.writeString(dir.resolve("strict.rules"), STRICT_RULES);
    Files.writeString(dir.resolve("bad.rules"), "*filter\n:INPUT DROP [0:0]\n-A INPUT -p tcp --dport 22 -j NOPE\nCOMMIT\n");
    policy = policyFile("policy.yaml", "servers.rules");
    policyFile("strict.yaml", "strict.rules");
    policyFile("bad.yaml", "bad.rules");
    Files.writeString(dir.resolve("ftp.yaml"), "hosts:\n  - address: 10.0.0.1\nhelpers:\n  ftp: [21]\n");
    tokenFile = dir.resolve("token");
    if (tokenFileContent != null) {
      Files.writeString(tokenFile, tokenFileContent + "\n");
      Files.setPosixFilePermissions(tokenFile, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
    }
    ControllerConfig config = ControllerConfig.defaults().withListen("127.0.0.1", 0);
    FirewallAssembler assembler = new FirewallAssembler();
    List<App> apps = new java.util.ArrayList<>(assembler.assemble(new RunOptions(policy, config,
        io.statewall.controller.launch.ApiConfig.of("127.0.0.1:0", tokenFile))));
    apps.addAll(extra);
    controller = new Controller(config, apps);
    controller.start();
    firewall = assembler.firewall();
    api = apps.stream().filter(a -> a instanceof ApiApp).map(a -> ((ApiApp) a).address()).findFirst().orElseThrow();
    this.token = Files.readString(tokenFile).strip();
  }

  /** The body of PUT /api/v1/policy for policy file {@code name} in the directory: its text and its rule files. */
  String policyBody(String name) throws Exception {
    String yaml = Files.readString(dir.resolve(name));
    java.util.Map<String, String> files = new java.util.TreeMap<>();
    for (String line : yaml.split("\n")) {
      String t = line.strip();
      if (t.startsWith("rules: ") || t.startsWith("rules6: ")) {
        String f = t.substring(t.indexOf(' ') + 1);
        files.put(f, Files.readString(dir.resolve(f)));
      }
    }
    return JSON.writeValueAsString(java.util.Map.of("name", name, "policy", yaml, "files", files));
  }

  private static final com.fasterxml.jackson.databind.ObjectMapper JSON = new com.fasterxml.jackson.databind.ObjectMapper();

  Path policyFile(String name, String rules) throws Exception {
    return Files.writeString(dir.resolve(name), "hosts:\n  - address: 10.0.0.1\n    rules: " + rules + "\n");
  }

  String base() {
    return "http://127.0.0.1:" + api.getPort();
  }

  /** A real SSH connection's packets, 10.0.0.9:40000 to 10.0.0.1:22, through the firewall's decisions. */
  TcpFlow connect(int clientPort, int serverPort) {
    TcpFlow f = new TcpFlow("10.0.0.9", clientPort, "10.0.0.1", serverPort);
    Attachment at = Attachment.of(1, 1);
    firewall.firewall().decide(f.c(Packet.TCP_SYN), at);
    firewall.firewall().decide(f.s(Packet.TCP_SYN | Packet.TCP_ACK), at);
    firewall.firewall().decide(f.c(Packet.TCP_ACK), at);
    return f;
  }

  HttpResponse<String> get(String path) throws Exception {
    return send(HttpRequest.newBuilder(URI.create(base() + path)).GET(), true);
  }

  HttpResponse<String> delete(String path) throws Exception {
    return send(HttpRequest.newBuilder(URI.create(base() + path)).DELETE(), true);
  }

  HttpResponse<String> put(String path, String body) throws Exception {
    return send(HttpRequest.newBuilder(URI.create(base() + path))
        .header("Content-Type", "application/json").PUT(HttpRequest.BodyPublishers.ofString(body)), true);
  }

  HttpResponse<String> send(HttpRequest.Builder b, boolean withToken) throws Exception {
    if (withToken) {
      b.header("Authorization", "Bearer " + token);
    }
    return http.send(b.timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
  }

  RunningControllerAccess access() {
    return RunningControllerAccess.of(this);
  }

  @Override
  public void close() {
    controller.close();
  }
}
