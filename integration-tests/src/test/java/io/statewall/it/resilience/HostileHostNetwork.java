package io.statewall.it.resilience;

import static org.assertj.core.api.Assertions.assertThat;

import io.statewall.firewall.Firewall;
import io.statewall.firewall.FirewallApp;
import io.statewall.netfilter.judge.Judgement;
import io.statewall.apps.main.FirewallAssembler;
import io.statewall.netfilter.packet.Packet;
import io.statewall.controller.Controller;
import io.statewall.controller.ControllerConfig;
import io.statewall.controller.app.App;
import io.statewall.it.firewall.SwitchEntries;
import io.statewall.mininet.ExecResult;
import io.statewall.mininet.Host;
import io.statewall.mininet.MininetNetwork;
import io.statewall.mininet.OpenFlowVersion;
import io.statewall.mininet.Topology;
import io.statewall.topology.TopologyApp;
import io.statewall.topology.TopologyService;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BooleanSupplier;
import java.util.function.Predicate;
import org.projectfloodlight.openflow.types.IPv4Address;
import org.projectfloodlight.openflow.types.MacAddress;

/**
 * statewall in-process on loopback enforcing a policy on one OVS switch with four Mininet hosts, one
 * of which misbehaves: it sends hand-made frames through a raw socket. Every packet the firewall
 * judges is recorded, so a test knows when the controller has seen what a host sent.
 */
final class HostileHostNetwork implements AutoCloseable {
  final Controller controller;
  final FirewallApp firewall;
  final TopologyService topology;
  final MininetNetwork net;
  private final List<Judged> judged;

  /** A packet the firewall judged, and its judgement. */
  record Judged(Packet packet, Judgement judgement) {}

  private HostileHostNetwork(Controller controller, FirewallApp firewall, TopologyService topology,
      MininetNetwork net, List<Judged> judged) {
    this.controller = controller;
    this.firewall = firewall;
    this.topology = topology;
    this.net = net;
    this.judged = judged;
  }

  static HostileHostNetwork start(Path policy) throws Exception {
    List<Judged> judged = new CopyOnWriteArrayList<>();
    Firewall.DecisionListener listener = (p, at, j) -> judged.add(new Judged(p, j));
    FirewallAssembler assembler = new FirewallAssembler(listener);
    List<App> apps = assembler.assemble(policy);
    Controller controller = new Controller(ControllerConfig.defaults().withListen("127.0.0.1", 0), apps);
    InetSocketAddress at = controller.start();
    try {
      MininetNetwork net = MininetNetwork.builder().topology(Topology.single(4))
          .controller("127.0.0.1", at.getPort()).openFlowVersions(OpenFlowVersion.OF_13).start();
      try {
        net.awaitControllerConnections(Duration.ofSeconds(20));
        TopologyService topology = apps.stream().filter(TopologyApp.class::isInstance)
            .map(a -> ((TopologyApp) a).service()).findFirst().orElseThrow();
        return new HostileHostNetwork(controller, assembler.firewall(), topology, net, judged);
      } catch (RuntimeException | Error e) {
        net.close();
        throw e;
      }
    } catch (RuntimeException | Error e) {
      controller.close();
      throw e;
    }
  }

  Host host(String name) {
    return net.host(name);
  }

  /** Waits until the firewall has judged a packet matching {@code which}. */
  void awaitJudged(String what, Predicate<Packet> which) throws InterruptedException {
    await(what, Duration.ofSeconds(10), () -> judged.stream().anyMatch(j -> which.test(j.packet())));
  }

  /** The judgements of packets matching {@code which}, so far. */
  List<Judged> judged(Predicate<Packet> which) {
    return judged.stream().filter(j -> which.test(j.packet())).toList();
  }

  static void await(String what, Duration timeout, BooleanSupplier condition) throws InterruptedException {
    SwitchEntries.await(what, timeout, condition);
  }

  static void awaitListening(Host h, int port) throws InterruptedException {
    await(h.name() + " listens on " + port, Duration.ofSeconds(10),
        () -> h.exec("ss -ltn 'sport = :" + port + "' | grep -q LISTEN").succeeded());
  }

  /** Sends {@code frames} in order out of {@code host}'s interface through a raw packet socket. */
  static void sendRaw(Host host, List<byte[]> frames) {
    StringBuilder cmd = new StringBuilder("/usr/bin/python3 - " + host.interfaceName());
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
    ExecResult r = host.exec(cmd.toString(), Duration.ofSeconds(20));
    assertThat(r.stdout()).as("frames sent from %s: %s", host.name(), r).contains("sent " + frames.size());
  }

  /** An ARP frame: {@code op} 1 request, 2 reply. */
  static byte[] arp(int op, String ethSrc, String ethDst, String senderMac, String senderIp, String targetMac,
      String targetIp) {
    return ByteBuffer.allocate(42)
        .put(MacAddress.of(ethDst).getBytes()).put(MacAddress.of(ethSrc).getBytes()).putShort((short) 0x0806)
        .putShort((short) 1).putShort((short) 0x0800).put((byte) 6).put((byte) 4).putShort((short) op)
        .put(MacAddress.of(senderMac).getBytes()).put(IPv4Address.of(senderIp).getBytes())
        .put(MacAddress.of(targetMac).getBytes()).put(IPv4Address.of(targetIp).getBytes())
        .array();
  }

  /** A UDP datagram with any source address (checksum 0: none, as UDP over IPv4 allows). */
  static byte[] udp(String ethSrc, String ethDst, String src, String dst, int sport, int dport) {
    ByteBuffer ip = ByteBuffer.allocate(28)
        .put((byte) 0x45).put((byte) 0).putShort((short) 28).putShort((short) 1).putShort((short) 0)
        .put((byte) 64).put((byte) 17).putShort((short) 0)
        .put(IPv4Address.of(src).getBytes()).put(IPv4Address.of(dst).getBytes())
        .putShort((short) sport).putShort((short) dport).putShort((short) 8).putShort((short) 0);
    int sum = 0;
    for (int i = 0; i < 20; i += 2) {
      sum += ip.getShort(i) & 0xFFFF;
    }
    sum = (sum & 0xFFFF) + (sum >>> 16);
    sum = (sum & 0xFFFF) + (sum >>> 16);
    ip.putShort(10, (short) ~sum);
    return ByteBuffer.allocate(14 + 28).put(MacAddress.of(ethDst).getBytes()).put(MacAddress.of(ethSrc).getBytes())
        .putShort((short) 0x0800).put(ip.array()).array();
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
