package io.statewall.it.topology;

import static org.assertj.core.api.Assertions.assertThat;

import io.statewall.mininet.BackgroundProcess;
import io.statewall.mininet.ExecResult;
import io.statewall.mininet.Host;
import io.statewall.mininet.MininetNetwork;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A {@code python3 -m http.server} on every host of a network, all serving one random file from a
 * directory the hosts share (Mininet hosts share the file system), and curl to fetch it.
 */
final class WebServers implements AutoCloseable {

  static final int PORT = 8000;
  private static final Duration TIMEOUT = Duration.ofSeconds(20);

  private final MininetNetwork net;
  private final String dir;
  private final String sha256;
  private final List<BackgroundProcess> servers = new ArrayList<>();

  private WebServers(MininetNetwork net, String dir, String sha256) {
    this.net = net;
    this.dir = dir;
    this.sha256 = sha256;
  }

  static WebServers start(MininetNetwork net, int blobBytes) {
    String dir = "/tmp/statewall-it-" + net.id();
    Host first = net.hosts().get(0);
    ExecResult made = first.exec("mkdir -p " + dir + " && head -c " + blobBytes + " /dev/urandom > "
        + dir + "/blob && sha256sum " + dir + "/blob | cut -d' ' -f1", TIMEOUT);
    assertThat(made.succeeded()).as("blob made: %s", made).isTrue();
    WebServers w = new WebServers(net, dir, made.stdout().strip());
    try {
      for (Host h : net.hosts()) {
        w.servers.add(h.start("exec python3 -u -m http.server " + PORT + " --bind " + h.ip()
            + " --directory " + dir));
      }
      for (BackgroundProcess p : w.servers) {
        p.awaitOutput("Serving HTTP", TIMEOUT);
      }
      return w;
    } catch (RuntimeException e) {
      w.close();
      throw e;
    }
  }

  /** The checksum every complete download must have. */
  String sha256() {
    return sha256;
  }

  /**
   * Fetches the file from each server in turn, one curl after the other, in one shell of
   * {@code client}; returns the checksum of what arrived per server IP ("" when nothing did).
   */
  Map<String, String> fetchFromEach(Host client, List<Host> servers) {
    StringBuilder ips = new StringBuilder();
    servers.forEach(s -> ips.append(' ').append(s.ip()));
    ExecResult r = client.exec("for ip in" + ips + "; do echo \"$ip $(curl -s --max-time 10 "
        + "http://$ip:" + PORT + "/blob | sha256sum | cut -d' ' -f1)\"; done", TIMEOUT);
    Map<String, String> out = new LinkedHashMap<>();
    for (String line : r.stdout().strip().split("\n")) {
      String[] parts = line.strip().split(" ");
      out.put(parts[0], parts.length > 1 ? parts[1] : "");
    }
    return out;
  }

  /** One download from a fixed client port, so the test knows the connection's exact 5-tuple. */
  void fetchFrom(Host client, Host server, int clientPort) {
    ExecResult r = client.exec("curl -s --max-time 10 --local-port " + clientPort + " http://"
        + server.ip() + ":" + PORT + "/blob | sha256sum | cut -d' ' -f1", TIMEOUT);
    assertThat(r.stdout().strip()).as("%s fetched the file from %s: %s", client.name(),
        server.name(), r).isEqualTo(sha256);
  }

  @Override
  public void close() {
    servers.forEach(BackgroundProcess::close);
    try {
      net.hosts().get(0).exec("rm -rf " + dir, TIMEOUT);
    } catch (RuntimeException e) {
      // the network is gone (container backend), and its file system with it
    }
  }
}
