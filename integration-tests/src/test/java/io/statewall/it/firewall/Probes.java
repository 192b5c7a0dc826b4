package io.statewall.it.firewall;

import io.statewall.mininet.BackgroundProcess;
import io.statewall.mininet.CommandTimeoutException;
import io.statewall.mininet.ExecResult;
import io.statewall.mininet.Host;
import io.statewall.mininet.MininetNetwork;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;

/**
 * Traffic between the hosts of one network, each attempt reduced to an outcome word (connected,
 * refused, unreachable:ERRNO, dropped, reply, complete, failed) by {@code probe.py}, so that two
 * runs of the same traffic compare as strings.
 */
final class Probes {
  private static final Duration EXEC = Duration.ofSeconds(20);
  final MininetNetwork net;
  final String script;

  private Probes(MininetNetwork net, String script) {
    this.net = net;
    this.script = script;
  }

  /** Copies probe.py where the network's hosts can run it (they share the file system). */
  static Probes install(MininetNetwork net) {
    String path = "/tmp/statewall-probe-" + net.id() + ".py";
    String b64;
    try (InputStream in = Probes.class.getResourceAsStream("probe.py")) {
      b64 = Base64.getEncoder().encodeToString(in.readAllBytes());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    net.hosts().get(0).exec("echo " + b64 + " | base64 -d > " + path).orThrow();
    return new Probes(net, path);
  }

  Host h(String name) {
    return net.host(name);
  }

  static String ip(String host) {
    return "10.0.0." + host.substring(1);
  }

  String py(String host, String args) {
    try {
      ExecResult r = h(host).exec("exec /usr/bin/python3 " + script + " " + args, EXEC);
      return r.succeeded() ? r.stdout().trim() : "error:" + r.stderr().trim();
    } catch (CommandTimeoutException e) {
      return "error:exec timeout";
    }
  }

  BackgroundProcess pyStart(String host, String args) {
    return h(host).start("exec /usr/bin/python3 -u " + script + " " + args);
  }

  /** Sends hand-made frames, in order, out of {@code host}'s interface (a raw socket: no OUTPUT chain). */
  void raw(String host, List<byte[]> frames) {
    StringBuilder cmd = new StringBuilder("/usr/bin/python3 - " + h(host).interfaceName());
    for (byte[] f : frames) {
      cmd.append(' ').append(HexFormat.of().formatHex(f));
    }
    cmd.append(" <<'EOF'\n").append(String.join("\n",
        "import socket, sys",
        "s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)",
        "s.bind((sys.argv[1], 0))",
        "for h in sys.argv[2:]:",
        "    s.send(bytes.fromhex(h))",
        "print('sent', len(sys.argv) - 2)")).append("\nEOF\n");
    ExecResult r = h(host).exec(cmd.toString(), EXEC);
    if (!r.stdout().contains("sent " + frames.size())) {
      throw new AssertionError("frames sent from " + host + ": " + r);
    }
  }

  /**
   * What {@code host}'s applications receive on UDP {@code ports} (after its INPUT chain) and, for
   * ethertypes no IP stack reads, on a packet socket, from {@code sender}, until a datagram saying
   * {@code marker} arrives on the first port; {@code probe.py listen} prints one line each.
   */
  BackgroundProcess listen(String host, String sender, int... ports) {
    StringBuilder args = new StringBuilder("listen " + h(host).interfaceName() + " " + h(sender).mac());
    for (int port : ports) {
      args.append(' ').append(port);
    }
    BackgroundProcess p = pyStart(host, args.toString());
    p.awaitOutput("listening", Duration.ofSeconds(10));
    return p;
  }

  String tcp(String from, String to, int port) {
    return py(from, "tcp " + ip(to) + " " + port);
  }

  String tcpFrom(String from, int sport, String to, int port) {
    return py(from, "tcp " + ip(to) + " " + port + " " + sport);
  }

  /** Connects, says {@code send} and reads what comes back until the server closes. */
  String tcpSay(String from, String to, int port, String send) {
    return py(from, "tcp " + ip(to) + " " + port + " 0 '" + send + "'");
  }

  String udp(String from, String to, int port) {
    return py(from, "udp " + ip(to) + " " + port);
  }

  String ping(String from, String to) {
    ExecResult r = h(from).exec("ping -n -c 1 -W 2 " + ip(to) + " 2>&1", EXEC);
    if (r.succeeded()) {
      return "reply";
    }
    String out = r.stdout();
    if (out.contains("Unreachable") || out.contains("Prohibited") || out.contains("Filtered")) {
      return "unreachable";
    }
    return "dropped";
  }

  /** An HTTP GET: the status code, or failed. */
  String http(String from, String to, int port) {
    ExecResult r = h(from).exec("curl -s -m 5 -o /dev/null -w '%{http_code}' http://" + ip(to) + ":" + port + "/", EXEC);
    return r.succeeded() ? "http:" + r.stdout().trim() : "failed";
  }

  /** Runs until the file exists (a go signal for background probes: the hosts share /tmp). */
  String goFile(String tag) {
    return "/tmp/statewall-go-" + net.id() + "-" + tag;
  }

  void go(String tag) {
    net.hosts().get(0).exec("touch " + goFile(tag)).orThrow();
  }

  /** A long-lived connection to an echo server: round 1 now, round N after {@code go(tag + N)}. */
  BackgroundProcess hold(String from, String to, int port, String tag, int rounds) {
    return pyStart(from, "hold " + ip(to) + " " + port + " " + goFile(tag) + " " + rounds);
  }

  static void awaitListening(Host h, String proto, int port) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    String flag = proto.equals("udp") ? "-lun" : "-ltn";
    while (!h.exec("ss " + flag + " 'sport = :" + port + "' | grep -q :" + port).succeeded()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError(h.name() + " does not listen on " + proto + " " + port);
      }
      Thread.sleep(50);
    }
  }
}
