package io.statewall.it.firewall;

import io.statewall.demo.SeedLab;
import static org.assertj.core.api.Assertions.assertThat;

import io.statewall.netfilter.packet.FrameBuilder;
import io.statewall.netfilter.packet.Packet;
import io.statewall.mininet.FlowEntry;
import io.statewall.mininet.OvsSwitch;
import io.statewall.netfilter.policy.PolicyLoader;
import io.statewall.mininet.Backend;
import io.statewall.mininet.BackgroundProcess;
import io.statewall.mininet.Host;
import io.statewall.mininet.MininetNetwork;
import io.statewall.mininet.Topology;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.regex.MatchResult;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.projectfloodlight.openflow.types.MacAddress;

/**
 * The kernel as the oracle: each scenario's rules run once in the hosts' own netfilter on an open
 * network (Open vSwitch as a learning switch) and once enforced by statewall on the same topology,
 * with the hosts' netfilter empty; every probe's outcome must be the same. Rows where statewall
 * deliberately differs from this kernel (REFERENCE-conntrack.md) assert each side's own outcome.
 *
 * <p>Both networks run side by side and each scenario's traffic runs on both at once, so a probe
 * that waits for a timeout costs its time once.
 */
class NetfilterDifferentialTest {
  static final String OPEN = """
      *raw
      :PREROUTING ACCEPT [0:0]
      :OUTPUT ACCEPT [0:0]
      COMMIT
      *filter
      :INPUT ACCEPT [0:0]
      :FORWARD ACCEPT [0:0]
      :OUTPUT ACCEPT [0:0]
      COMMIT
      """;
  static final String HELPER_2121 = """
      *raw
      :PREROUTING ACCEPT [0:0]
      :OUTPUT ACCEPT [0:0]
      -A PREROUTING -p tcp --dport 2121 -j CT --helper ftp
      COMMIT
      """;
  /** An FTP server that takes control connections and whatever is RELATED to them. */
  static final String FTP_SERVER = HELPER_2121 + """
      *filter
      :INPUT DROP [0:0]
      :FORWARD DROP [0:0]
      :OUTPUT ACCEPT [0:0]
      -A INPUT -p tcp --dport 2121 -m state --state NEW,ESTABLISHED -j ACCEPT
      -A INPUT -m state --state ESTABLISHED,RELATED -j ACCEPT
      COMMIT
      """;
  /** An FTP server that may open active data connections only where the helper expects them. */
  static final String FTP_SERVER_ACTIVE = HELPER_2121 + """
      *filter
      :INPUT DROP [0:0]
      :FORWARD DROP [0:0]
      :OUTPUT DROP [0:0]
      -A INPUT -p tcp --dport 2121 -m state --state NEW,ESTABLISHED -j ACCEPT
      -A OUTPUT -p tcp --sport 2121 -m state --state ESTABLISHED -j ACCEPT
      -A OUTPUT -p tcp --sport 20 -m state --state ESTABLISHED,RELATED -j ACCEPT
      -A INPUT -p tcp --dport 20 -m state --state ESTABLISHED -j ACCEPT
      COMMIT
      """;
  static final String REJECTS = """
      *filter
      :INPUT ACCEPT [0:0]
      :FORWARD ACCEPT [0:0]
      :OUTPUT ACCEPT [0:0]
      -A INPUT -p tcp --dport 81 -j REJECT --reject-with tcp-reset
      -A INPUT -p tcp --dport 82 -j REJECT
      -A INPUT -p tcp --dport 83 -j REJECT --reject-with icmp-host-unreachable
      -A INPUT -p tcp --dport 84 -j REJECT --reject-with icmp-admin-prohibited
      -A INPUT -p tcp --dport 85 -j DROP
      -A INPUT -p udp --dport 86 -j REJECT
      -A INPUT -p icmp -j REJECT --reject-with icmp-net-prohibited
      COMMIT
      """;
  /** Only traffic the host itself starts (UDP and ICMP here), and its answers. */
  static final String CLIENT_ONLY = """
      *filter
      :INPUT DROP [0:0]
      :FORWARD DROP [0:0]
      :OUTPUT DROP [0:0]
      -A OUTPUT -p udp -m state --state NEW,ESTABLISHED -j ACCEPT
      -A INPUT -p udp -m state --state ESTABLISHED -j ACCEPT
      -A OUTPUT -p icmp -m state --state NEW,ESTABLISHED -j ACCEPT
      -A INPUT -p icmp -m state --state ESTABLISHED -j ACCEPT
      COMMIT
      """;
  static final String INPUT_RELATED = """
      *filter
      :INPUT DROP [0:0]
      :FORWARD DROP [0:0]
      :OUTPUT ACCEPT [0:0]
      -A INPUT -m state --state ESTABLISHED,RELATED -j ACCEPT
      COMMIT
      """;
  static final String INPUT_ESTABLISHED_ONLY = """
      *filter
      :INPUT DROP [0:0]
      :FORWARD DROP [0:0]
      :OUTPUT ACCEPT [0:0]
      -A INPUT -m state --state ESTABLISHED -j ACCEPT
      COMMIT
      """;

  /** A server whose INPUT takes UDP 5999 (and its answers) but not 161. */
  static final String UDP_5999 = """
      *filter
      :INPUT DROP [0:0]
      :FORWARD DROP [0:0]
      :OUTPUT ACCEPT [0:0]
      -A INPUT -m state --state ESTABLISHED,RELATED -j ACCEPT
      -A INPUT -p udp --dport 5999 -j ACCEPT
      COMMIT
      """;
  /** As {@link #UDP_5999}, and UDP 161 too. */
  static final String UDP_5999_161 = UDP_5999.replace("COMMIT", "-A INPUT -p udp --dport 161 -j ACCEPT\nCOMMIT");
  /** The UDP port every receiver accepts: the marker that ends a listener, and the accepted datagrams. */
  static final int OPEN_PORT = 5999;

  /**
   * A client (h2 in the teardown sequences) that takes only answers, and a NEW connection from
   * server port {@link #REOPENS}: the one server whose reopening SYN it accepts. UDP 5999 for the
   * marker that ends a capture.
   */
  static final String TEARDOWN_CLIENT = """
      *filter
      :INPUT DROP [0:0]
      :FORWARD DROP [0:0]
      :OUTPUT ACCEPT [0:0]
      -A INPUT -m state --state ESTABLISHED,RELATED -j ACCEPT
      -A INPUT -p tcp --sport 3001 -m state --state NEW -j ACCEPT
      -A INPUT -p udp --dport 5999 -j ACCEPT
      COMMIT
      """;
  /** The server port from which {@link #TEARDOWN_CLIENT} accepts a new connection. */
  static final int REOPENS = 3001;
  static final Pattern CT_STATE = Pattern.compile(
      " (SYN_SENT2|SYN_SENT|SYN_RECV|ESTABLISHED|FIN_WAIT|CLOSE_WAIT|LAST_ACK|TIME_WAIT|CLOSE) ");
  static final Pattern SEGMENT = Pattern.compile("^seg (\\w+) seq=(\\d+) ack=(\\d+) len=(\\d+)(.*)$",
      Pattern.MULTILINE);

  static Side kernel;
  static Side statewall;
  static FirewallNetwork fw;
  static MininetNetwork open;
  static Path policyDir;
  static final List<String> tally = Collections.synchronizedList(new ArrayList<>());

  /** One of the two networks, with its services. */
  record Side(String name, Probes probes, List<BackgroundProcess> services, String md5) {}

  @BeforeAll
  static void start() throws Exception {
    policyDir = Files.createTempDirectory("statewall-diff");
    Path openPolicy = FirewallNetwork.write(policyDir, "open.yaml", "offload:\n  idle-timeout: 60\n");
    CompletableFuture<MininetNetwork> standalone = CompletableFuture.supplyAsync(
        () -> MininetNetwork.builder().topology(Topology.single(4)).standalone().start());
    fw = FirewallNetwork.start(openPolicy, Topology.single(4));
    open = standalone.join();
    CompletableFuture<Side> k = CompletableFuture.supplyAsync(() -> services("netfilter", open));
    statewall = services("statewall", fw.net);
    kernel = k.join();
  }

  static Side services(String name, MininetNetwork net) {
    try {
      Probes p = Probes.install(net);
      for (Host h : net.hosts()) {
        // a /24 (Mininet gives a /8), so that 10.0.0.255 is every host's directed broadcast
        h.exec("ip -4 addr flush dev " + h.interfaceName() + " && ip addr add " + h.ip() + "/24 brd + dev "
            + h.interfaceName()).orThrow();
      }
      Host h1 = net.host("h1");
      Host h2 = net.host("h2");
      Host h3 = net.host("h3");
      Host h4 = net.host("h4");
      String root = "/srv/statewall-diff-" + net.id();
      h3.exec("mkdir -p " + root + " /srv/statewall-ftp-empty && chmod 755 " + root
          + " && head -c 200000 /dev/urandom > " + root + "/file.bin"
          + " && printf '%s' '" + SeedLab.vsftpdConf(root) + "' > " + root + ".conf").orThrow();
      String md5 = h3.exec("md5sum < " + root + "/file.bin").orThrow().stdout().trim();
      List<BackgroundProcess> services = List.of(
          h1.start("exec socat TCP-LISTEN:22,fork,reuseaddr SYSTEM:'echo SSH-2.0-statewall'"),
          h1.start("cd /tmp && exec python3 -m http.server 80"),
          h4.start("exec socat TCP-LISTEN:80,fork,reuseaddr SYSTEM:'echo outside'"),
          p.pyStart("h4", "tcp-counter 2020"),
          h3.start("exec vsftpd " + root + ".conf"),
          p.pyStart("h3", "fake-ftpd 10.0.0.3 2121"),
          p.pyStart("h3", "udp-echo 7"),
          p.pyStart("h2", "udp-echo 7"));
      Probes.awaitListening(h1, "tcp", 22);
      Probes.awaitListening(h1, "tcp", 80);
      Probes.awaitListening(h4, "tcp", 80);
      Probes.awaitListening(h4, "tcp", 2020);
      Probes.awaitListening(h3, "tcp", 21);
      Probes.awaitListening(h3, "tcp", 2121);
      Probes.awaitListening(h3, "udp", 7);
      Probes.awaitListening(h2, "udp", 7);
      return new Side(name, p, services, md5);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  @AfterAll
  static void stop() {
    System.out.println("Differential suite (netfilter vs statewall):\n" + String.join("\n", tally));
    try {
      for (Side s : new Side[] {kernel, statewall}) {
        if (s != null) {
          s.services().forEach(BackgroundProcess::close);
        }
      }
    } finally {
      try {
        if (open != null) {
          open.close();
        }
      } finally {
        if (fw != null) {
          fw.close();
        }
      }
    }
  }

  static String rules(String file) {
    try {
      return Files.readString(FirewallNetwork.EXAMPLES.resolve(file));
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  static String ftp(Probes p, Side side, String mode) {
    Host d = p.h("h2");
    String out = "/tmp/statewall-diff-" + p.net.id() + ".out";
    d.exec("rm -f " + out);
    var r = d.exec("curl -s -m 6 --connect-timeout 3 " + SeedFtpDesktopTest.curlMode(mode)
        + " -o " + out + " ftp://10.0.0.3/file.bin && md5sum < " + out, Duration.ofSeconds(20));
    return r.succeeded() && r.stdout().trim().equals(side.md5()) ? "complete" : "failed";
  }

  /** The control connection's replies (and data results) that matter, in order. */
  static List<String> replies(String output, String... verbs) {
    List<String> out = new ArrayList<>();
    for (String line : output.split("\n")) {
      for (String v : verbs) {
        if (line.startsWith("reply " + v + " ") || (v.equals("DATA") && line.startsWith("data "))) {
          out.add(line.trim());
        }
      }
    }
    return out;
  }

  /** Waits for a line starting with {@code prefix} or the end of {@code p}; returns the output. */
  static String until(BackgroundProcess p, String prefix) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    while (!p.stdout().contains(prefix) && p.isAlive() && System.nanoTime() < deadline) {
      Thread.sleep(50);
    }
    return p.stdout();
  }

  /** Turns IPv4 forwarding on (1, sending no redirects) or off (0) in {@code host}'s namespace. */
  static void forwarding(Probes p, String host, int on) {
    Host h = p.h(host);
    // docker mounts /proc/sys read-only in the harness container (this network's own container)
    String rw = p.net.backend() == Backend.CONTAINER ? "mount -o remount,rw /proc/sys && " : "";
    h.exec(rw + "sysctl -qw net.ipv4.ip_forward=" + on + " net.ipv4.conf.all.send_redirects=" + (1 - on)
        + " net.ipv4.conf." + h.interfaceName() + ".send_redirects=" + (1 - on)).orThrow();
  }

  /** A MAC address as FrameBuilder takes it. */
  static long mac(Probes p, String host) {
    return MacAddress.of(p.h(host).mac()).getLong();
  }

  /** A 4-byte UDP datagram "ping" from h4 (source port {@code sport}) to {@code dst} in a frame for {@code dstMac}. */
  static byte[] udpFromH4(Probes p, long dstMac, String dst, int sport, int dport) {
    return FrameBuilder.ip("10.0.0.4", dst).macs(mac(p, "h4"), dstMac).udp(sport, dport).payload("ping").build();
  }

  /** An Ethernet frame of any EtherType from h4 to {@code dstMac}, padded to the 60-byte minimum. */
  static byte[] etherFromH4(Probes p, long dstMac, int etherType, byte[] payload) {
    ByteBuffer b = ByteBuffer.allocate(Math.max(60, 14 + payload.length));
    b.putShort((short) (dstMac >>> 32)).putInt((int) dstMac);
    long src = mac(p, "h4");
    b.putShort((short) (src >>> 32)).putInt((int) src).putShort((short) etherType).put(payload);
    return b.array();
  }

  /** A PPPoE session frame (RFC 2516, session 1) carrying the IPv4 packet of {@code ipFrame}. */
  static byte[] pppoeFromH4(Probes p, long dstMac, byte[] ipFrame) {
    byte[] ip = FrameBuilder.ipPacketOf(ipFrame, 65535);
    ByteBuffer s = ByteBuffer.allocate(8 + ip.length).put((byte) 0x11).put((byte) 0).putShort((short) 1)
        .putShort((short) (2 + ip.length)).putShort((short) 0x0021).put(ip);
    return etherFromH4(p, dstMac, 0x8864, s.array());
  }

  /**
   * Pings h4 from every listener (so statewall's topology has learned them all), starts a listener
   * on each, has h4 send {@code frames} and then a marker datagram to each listener's address, and
   * returns what each listener's applications received, one outcome per listener, its lines sorted:
   * "h1: frame 0x8864, udp 161 10.0.0.255 4" or "h1: nothing".
   */
  static List<String> heard(Probes p, List<byte[]> frames, List<String> listeners, int... ports) {
    List<BackgroundProcess> running = new ArrayList<>();
    try {
      for (String h : listeners) {
        p.ping(h, "h4");
      }
      List<byte[]> all = new ArrayList<>(frames);
      int sport = 45000;
      for (String h : listeners) {
        running.add(p.listen(h, "h4", ports));
        all.add(FrameBuilder.ip("10.0.0.4", Probes.ip(h)).macs(mac(p, "h4"), mac(p, h)).udp(sport++, ports[0])
            .payload("marker").build());
      }
      p.raw("h4", all);
      List<String> out = new ArrayList<>();
      for (int i = 0; i < listeners.size(); i++) {
        BackgroundProcess l = running.get(i);
        l.awaitOutput("done", Duration.ofSeconds(20));
        // sorted: the switches may reorder frames of different flows (each new flow is an upcall)
        List<String> got = l.stdout().lines().filter(x -> x.startsWith("udp ") || x.startsWith("frame ")).sorted()
            .toList();
        out.add(listeners.get(i) + ": " + (got.isEmpty() ? "nothing" : String.join(", ", got)));
      }
      return out;
    } finally {
      running.forEach(BackgroundProcess::close);
    }
  }

  /** {@code frame}'s UDP datagram in fragments of at most 1,480 payload bytes, last fragment first if {@code reversed}. */
  static List<byte[]> fragments(byte[] frame, int id, boolean reversed) {
    int payload = frame.length - 14 - 20;
    List<byte[]> out = new ArrayList<>();
    for (int off = 0; off < payload; off += 1480) {
      int len = Math.min(1480, payload - off);
      out.add(FrameBuilder.fragment(frame, off, len, off + len < payload, id));
    }
    if (reversed) {
      Collections.reverse(out);
    }
    return out;
  }

  static byte[] bytes(int n) {
    byte[] b = new byte[n];
    for (int i = 0; i < n; i++) {
      b[i] = (byte) i;
    }
    return b;
  }

  /**
   * conntrack's state of the connection from h2:{@code sport} to h4:{@code port}: h2's own table on
   * the kernel's side ({@code conntrack -L} in its namespace), statewall's on the other; "none" if
   * neither holds it.
   */
  static String ctState(Probes p, int sport, int port) {
    String tuple = "src=10.0.0.2 dst=10.0.0.4 sport=" + sport + " dport=" + port + " ";
    List<String> lines = side(p) == kernel
        ? p.h("h2").exec("conntrack -L -p tcp 2>/dev/null || true").orThrow().stdout().lines().toList()
        : fw.firewall.tracker().list();
    return lines.stream().filter(l -> l.contains(tuple)).map(CT_STATE::matcher).filter(Matcher::find)
        .map(m -> m.group(1)).findFirst().orElse("none");
  }

  /**
   * On statewall's side, waits until the connection from h2:{@code sport} to h4:{@code port} runs in
   * s1 (where both its directions enter) as the teardown design has it: each direction's entry
   * leaves FIN, SYN and RST out ({@code tcp_flags=-fin-syn-rst}) and a trap with the same ports
   * sends them to the controller. The kernel's side has nothing to wait for.
   */
  static void awaitOffloaded(Probes p, int sport, int port) throws InterruptedException {
    if (side(p) != statewall) {
      return;
    }
    OvsSwitch s1 = fw.net.ovsSwitch("s1");
    FirewallNetwork.await("h2:" + sport + " <-> h4:" + port + " offloaded with its teardown traps",
        Duration.ofSeconds(10), () -> {
          List<FlowEntry> ours = s1.dumpFlows().stream().filter(f -> (f.cookie() >>> 48) == 0x5357).toList();
          return Stream.of(new int[] {sport, port}, new int[] {port, sport}).allMatch(d -> {
            List<FlowEntry> dir = ours.stream().filter(f -> (f.match() + ",").contains("tp_src=" + d[0] + ",")
                && (f.match() + ",").contains("tp_dst=" + d[1] + ",")).toList();
            return dir.stream().anyMatch(f -> !f.actions().contains("CONTROLLER") && f.match().contains("tcp_flags=")
                    && Stream.of("-fin", "-syn", "-rst").allMatch(f.match()::contains))
                && dir.stream().anyMatch(f -> f.actions().contains("CONTROLLER"));
          });
        });
  }

  /**
   * A probe built from the last segment with an ACK that h2 received from the server ({@link
   * #SEGMENT}'s groups: flags, seq, ack, length).
   */
  @FunctionalInterface
  interface TeardownProbe {
    byte[] after(Probes p, Matcher lastFromServer);
  }

  /**
   * One teardown sequence: h2 (under {@link #TEARDOWN_CLIENT}, a real socket from {@code sport})
   * connects to h4's {@code td-server} on {@code port} and a line is echoed; on statewall's side the
   * test then waits until s1 carries the connection ({@link #awaitOffloaded}); a second line is
   * echoed (through the switch's entries there), and the teardown of {@code mode} follows
   * ({@code probe.py td-server}; a half-close is held while conntrack's state is read, once the
   * server's line after the client's FIN has arrived). Then conntrack's state of the connection is
   * read and, if {@code probe} is given, h4 sends the frame it builds (a raw socket: no host stack
   * or OUTPUT of h4's is involved) and a marker datagram; h2's raw socket sees what its INPUT let
   * through.
   *
   * @return for a half-close "half-closed data:N" and "half-closed ct STATE"; the client's teardown
   *     ("end closed" or "end reset"), "ct STATE" after it, and, with a probe, "probe delivered" or
   *     "probe dropped"
   */
  static List<String> teardown(Probes p, String tag, int port, int sport, String mode, TeardownProbe probe)
      throws Exception {
    List<String> out = new ArrayList<>();
    String go = p.goFile(tag + "-" + sport);
    try (BackgroundProcess server = p.pyStart("h4", "td-server " + port + " " + mode + " " + go + "-close")) {
      server.awaitOutput("listening", Duration.ofSeconds(10));
      try (BackgroundProcess client = p.pyStart("h2", "td-client 10.0.0.4 " + port + " " + sport + " " + go
          + " " + mode + " " + OPEN_PORT)) {
        client.awaitOutput("round 1 ", Duration.ofSeconds(20));
        awaitOffloaded(p, sport, port);
        p.go(tag + "-" + sport);
        if (mode.equals("halfclose")) {
          client.awaitOutput("half-closed ", Duration.ofSeconds(20));
          out.add(client.stdout().lines().filter(l -> l.startsWith("half-closed ")).findFirst().orElseThrow());
          out.add("half-closed ct " + ctState(p, sport, port));
          p.go(tag + "-" + sport + "-close");
        }
        Pattern end = Pattern.compile("^end .*$", Pattern.MULTILINE);
        client.awaitOutput(end, Duration.ofSeconds(20));
        Matcher e = end.matcher(client.stdout());
        e.find();
        out.add(e.group());
        if (mode.equals("fin") || mode.equals("halfclose")) {
          // h2 closed last: its final ACK has left (and passed its own conntrack, on the kernel's side)
          // once its socket is in TIME_WAIT
          FirewallNetwork.await("h2:" + sport + " in TIME_WAIT", Duration.ofSeconds(10), () -> p.h("h2")
              .exec("ss -tan state time-wait '( sport = :" + sport + " )' | grep -q :" + sport).succeeded());
        }
        out.add("ct " + ctState(p, sport, port));
        List<byte[]> frames = new ArrayList<>();
        if (probe != null) {
          // the capture prints beside the client: wait for the server's teardown segment itself
          client.awaitOutput(Pattern.compile("^seg " + (mode.equals("rst") ? "R" : "F"), Pattern.MULTILINE),
              Duration.ofSeconds(10));
          // the server's last segment that carries its ACK: after its RST, h4's stack may also answer
          // a segment of h2's (an ACK that crossed the RST) with a bare RST of no acknowledgement
          Matcher last = null;
          Matcher m = SEGMENT.matcher(client.stdout());
          while (m.find()) {
            if (m.group(1).contains("A")) {
              last = SEGMENT.matcher(m.group());
              last.find();
            }
          }
          if (last == null) {
            throw new AssertionError("h2 saw no segment from h4:" + port + "\n" + client.stdout());
          }
          frames.add(probe.after(p, last));
        }
        frames.add(FrameBuilder.ip("10.0.0.4", "10.0.0.2").macs(mac(p, "h4"), mac(p, "h2"))
            .udp(sport + 10000, OPEN_PORT).payload("marker").build());
        p.raw("h4", frames);
        client.awaitOutput("done", Duration.ofSeconds(40));
        if (probe != null) {
          // no segment of the connection itself is a bare SYN or says "probe"
          boolean delivered = SEGMENT.matcher(client.stdout()).results().map(MatchResult::group)
              .anyMatch(l -> l.startsWith("seg S ") || l.endsWith(" probe"));
          out.add("probe " + (delivered ? "delivered" : "dropped"));
        }
      }
    }
    return out;
  }

  /** A SYN from h4:{@code port} to h2:{@code sport}: a new sequence number, past the server's last. */
  static byte[] serverSyn(Probes p, int port, int sport, Matcher last) {
    return FrameBuilder.ip("10.0.0.4", "10.0.0.2").macs(mac(p, "h4"), mac(p, "h2"))
        .tcp(port, sport, Packet.TCP_SYN).seq(Long.parseLong(last.group(2)) + 100_000).build();
  }

  /**
   * Data (PSH, ACK) from h4:{@code port} to h2:{@code sport}, saying "probe", {@code beyond} bytes
   * past the server's next sequence number, acknowledging what it last acknowledged.
   */
  static byte[] serverData(Probes p, int port, int sport, Matcher last, long beyond) {
    long next = Long.parseLong(last.group(2)) + Long.parseLong(last.group(4))
        + (last.group(1).contains("F") || last.group(1).contains("S") ? 1 : 0) + beyond;
    return FrameBuilder.ip("10.0.0.4", "10.0.0.2").macs(mac(p, "h4"), mac(p, "h2"))
        .tcp(port, sport, Packet.TCP_PSH | Packet.TCP_ACK).seq(next).ack(Long.parseLong(last.group(3)))
        .payload("probe\n").build();
  }

  static Side side(Probes p) {
    return p == kernel.probes() ? kernel : statewall;
  }

  static Stream<Scenario> scenarios() {
    String servers = rules("seed-servers.rules");
    String desktop = rules("seed-desktop.rules");
    String desktopNoHelper = desktop.substring(desktop.indexOf("*filter"));
    String desktop2121 = desktop.replace("--dport 21 ", "--dport 2121 ").replace("--sport 21 ", "--sport 2121 ");
    return Stream.of(
        Scenario.same("seed 4.1: SSH and HTTP in, another port and new outbound blocked", Map.of("h1", servers),
            (p, t) -> List.of(p.tcp("h4", "h1", 22), p.http("h4", "h1", 80), p.tcp("h4", "h1", 23),
                p.tcp("h1", "h4", 80)),
            "connected data:18", "http:200", "dropped", "dropped"),
        Scenario.same("seed 4.2 with the helper: PASV, EPSV, PORT, EPRT downloads", Map.of("h2", desktop),
            (p, t) -> Stream.of("PASV", "EPSV", "PORT", "EPRT").map(m -> ftp(p, side(p), m)).toList(),
            "complete", "complete", "complete", "complete"),
        Scenario.same("seed 4.2 without the helper: data connections fail, control works",
            Map.of("h2", desktopNoHelper),
            (p, t) -> List.of(ftp(p, side(p), "PASV"), ftp(p, side(p), "PORT"),
                p.tcpSay("h2", "h3", 21, "QUIT\\r\\n").replaceAll("data:\\d+", "data")),
            "failed", "failed", "connected data"),
        Scenario.same("FTP PASV: a third host cannot use the client's expectation", Map.of("h3", FTP_SERVER),
            (p, t) -> {
              try (BackgroundProcess c = p.pyStart("h2", "ftp 10.0.0.3 2121 'USER a' PASV WAIT:" + p.goFile(t)
                  + " DATA QUIT")) {
                String out = until(c, "passive ");
                String port = out.substring(out.indexOf("passive ")).split("\\s+")[2];
                String third = p.tcp("h4", "h3", Integer.parseInt(port));
                p.go(t);
                List<String> r = new ArrayList<>(List.of("third " + third));
                r.addAll(replies(until(c, "reply QUIT"), "PASV", "DATA"));
                return r;
              }
            },
            "third dropped", "reply PASV 227", "data connected data:5"),
        Scenario.same("FTP PORT: a third host cannot use the server's expectation, even from port 20",
            Map.of("h2", desktop2121),
            (p, t) -> {
              try (BackgroundProcess c = p.pyStart("h2", "ftp 10.0.0.3 2121 LISTEN:40001 'USER a'"
                  + " 'PORT 10,0,0,2,156,65' WAIT:" + p.goFile(t) + " RETR QUIT")) {
                until(c, "reply PORT");
                String third = p.tcpFrom("h4", 20, "h2", 40001);
                p.go(t);
                List<String> r = new ArrayList<>(List.of("third " + third));
                r.addAll(replies(until(c, "reply QUIT"), "PORT", "RETR"));
                return r;
              }
            },
            "third dropped", "reply PORT 200", "reply RETR 226"),
        Scenario.same("FTP bounce: a PORT naming a third host opens nothing; the client's own does",
            Map.of("h3", FTP_SERVER_ACTIVE),
            (p, t) -> {
              BackgroundProcess counter = side(p).services().get(3); // h4's tcp-counter
              long before = counter.stdout().lines().filter(l -> l.startsWith("accepted")).count();
              List<String> r = new ArrayList<>(replies(p.py("h2", "ftp 10.0.0.3 2121 LISTEN:40002 'USER a'"
                  + " 'PORT 10,0,0,4,7,228' RETR 'PORT 10,0,0,2,156,66' RETR QUIT"), "PORT", "RETR"));
              r.add("h4 accepted " + (counter.stdout().lines().filter(l -> l.startsWith("accepted")).count() - before));
              return r;
            },
            "reply PORT 200", "reply RETR 425 dropped", "reply PORT 200", "reply RETR 226", "h4 accepted 0"),
        Scenario.same("REJECT types: tcp-reset, port/host/admin unreachable refuse at once; DROP times out",
            Map.of("h3", REJECTS),
            (p, t) -> List.of(p.tcp("h4", "h3", 81), p.tcp("h4", "h3", 82), p.tcp("h4", "h3", 83),
                p.tcp("h4", "h3", 84), p.tcp("h4", "h3", 85), p.udp("h4", "h3", 86), p.ping("h4", "h3")),
            "refused", "refused", "unreachable:EHOSTUNREACH", "unreachable:EHOSTUNREACH", "dropped", "refused",
            "unreachable"),
        Scenario.same("UDP request/response through ESTABLISHED; unsolicited UDP in is dropped",
            Map.of("h2", CLIENT_ONLY),
            (p, t) -> List.of(p.udp("h2", "h3", 7), p.udp("h4", "h2", 7)),
            "reply", "dropped"),
        Scenario.same("ICMP echo through ESTABLISHED; an unsolicited echo request in is dropped",
            Map.of("h2", CLIENT_ONLY),
            (p, t) -> List.of(p.ping("h2", "h3"), p.ping("h4", "h2")),
            "reply", "dropped"),
        Scenario.same("an ICMP port-unreachable for a tracked UDP flow passes as RELATED",
            Map.of("h2", INPUT_RELATED),
            (p, t) -> List.of(p.udp("h2", "h3", 9), p.tcp("h2", "h3", 9)),
            "refused", "refused"),
        Scenario.same("without RELATED the ICMP error is dropped (and the TCP RST, ESTABLISHED, is not)",
            Map.of("h2", INPUT_ESTABLISHED_ONLY),
            (p, t) -> List.of(p.udp("h2", "h3", 10), p.tcp("h2", "h3", 10)),
            "dropped", "refused"),
        Scenario.same("PORT with a field above 255 (256,67 wraps to port 67 in this kernel)",
            Map.of("h2", desktop2121),
            (p, t) -> replies(p.py("h2", "ftp 10.0.0.3 2121 LISTEN:67 'USER a' 'PORT 10,0,0,2,256,67' RETR QUIT"),
                "PORT", "RETR"),
            "reply PORT 200", "reply RETR 226")
            .deliberately("reply PORT dropped"),
        Scenario.same("EPRT with a port above 65535 (65604 wraps to port 68 in this kernel)",
            Map.of("h2", desktop2121),
            (p, t) -> replies(p.py("h2", "ftp 10.0.0.3 2121 LISTEN:68 'USER a' 'EPRT |1|10.0.0.2|65604|' RETR QUIT"),
                "EPRT", "RETR"),
            "reply EPRT 200", "reply RETR 226")
            .deliberately("reply EPRT dropped"),
        // issue 16: every receiver of a broadcast or multicast datagram runs its own INPUT
        Scenario.same("broadcast and multicast UDP reach exactly the receivers whose INPUT accepts the port",
            Map.of("h1", UDP_5999, "h2", UDP_5999_161),
            (p, t) -> heard(p, List.of(
                udpFromH4(p, BROADCAST, "10.0.0.255", 40001, 161),
                udpFromH4(p, BROADCAST, "255.255.255.255", 40002, 161),
                udpFromH4(p, ALL_HOSTS_MAC, "224.0.0.1", 40003, 161),
                udpFromH4(p, BROADCAST, "10.0.0.255", 40004, OPEN_PORT)),
                List.of("h1", "h2", "h3"), OPEN_PORT, 161),
            "h1: udp 5999 10.0.0.255 4",
            "h2: udp 161 10.0.0.255 4, udp 161 224.0.0.1 4, udp 161 255.255.255.255 4, udp 5999 10.0.0.255 4",
            "h3: udp 161 10.0.0.255 4, udp 161 224.0.0.1 4, udp 161 255.255.255.255 4, udp 5999 10.0.0.255 4"),
        // issue 16: a frame for one host's MAC and another's address; h2 forwards (a router whose
        // FORWARD drops), so a frame handed to it by the address owner's rules would reach h1
        Scenario.same("a frame for one host's MAC carrying another host's address reaches no one",
            Map.of("h1", UDP_5999, "h2", UDP_5999),
            (p, t) -> {
              // a namespace inherits the machine's ip_forward: set every receiver's own
              Map<String, String> before = new LinkedHashMap<>();
              for (String h : List.of("h1", "h2", "h3")) {
                before.put(h, p.h(h).exec("sysctl -n net.ipv4.ip_forward").orThrow().stdout().trim());
                forwarding(p, h, h.equals("h2") ? 1 : 0);
              }
              try {
                return heard(p, List.of(
                    udpFromH4(p, mac(p, "h2"), "10.0.0.1", 40011, OPEN_PORT),
                    udpFromH4(p, mac(p, "h3"), "10.0.0.1", 40012, OPEN_PORT),
                    udpFromH4(p, mac(p, "h1"), "10.0.0.2", 40013, OPEN_PORT),
                    udpFromH4(p, mac(p, "h1"), "10.0.0.1", 40014, OPEN_PORT)),
                    List.of("h1", "h2", "h3"), OPEN_PORT);
              } finally {
                before.forEach((h, v) -> forwarding(p, h, Integer.parseInt(v)));
              }
            },
            "h1: udp 5999 10.0.0.1 4", "h2: nothing", "h3: nothing"),
        // issue 16: EtherTypes no rule can judge. A Linux bridge hands them to the host (a packet
        // socket, their only kind of application, sees them; the IP stack does not); statewall
        // refuses them unless the policy lists them, and judges an IPv4 packet in a 0x9200 tag on
        // the packet inside
        Scenario.same("0x88B5, RoCE 0x8915, IPv4 in a 0x9200 tag and PPPoE reach no IP application",
            Map.of("h1", UDP_5999),
            (p, t) -> heard(p, List.of(
                etherFromH4(p, mac(p, "h1"), 0x88B5, bytes(46)),
                etherFromH4(p, mac(p, "h1"), 0x8915, bytes(52)),
                FrameBuilder.ip("10.0.0.4", "10.0.0.1").macs(mac(p, "h4"), mac(p, "h1")).tag(0x9200, 5)
                    .udp(40021, OPEN_PORT).payload("ping").build(),
                FrameBuilder.ip("10.0.0.4", "10.0.0.1").macs(mac(p, "h4"), mac(p, "h1")).tag(0x9200, 5)
                    .udp(40022, 161).payload("ping").build(),
                pppoeFromH4(p, mac(p, "h1"), udpFromH4(p, mac(p, "h1"), "10.0.0.1", 40023, OPEN_PORT))),
                List.of("h1"), OPEN_PORT, 161),
            "h1: frame 0x8864, frame 0x88b5, frame 0x8915, frame 0x9200, frame 0x9200")
            .deliberately("h1: frame 0x9200"),
        // issue 16: a fragmented datagram is judged whole; all its fragments go, or none
        Scenario.same("fragmented UDP: to an accepted port delivered whole (in or out of order), to a dropped port not at all",
            Map.of("h1", UDP_5999),
            (p, t) -> {
              List<byte[]> frames = new ArrayList<>();
              frames.addAll(fragments(FrameBuilder.ip("10.0.0.4", "10.0.0.1").macs(mac(p, "h4"), mac(p, "h1"))
                  .udp(40031, OPEN_PORT).payload(bytes(3000)).build(), 0x1111, false));
              frames.addAll(fragments(FrameBuilder.ip("10.0.0.4", "10.0.0.1").macs(mac(p, "h4"), mac(p, "h1"))
                  .udp(40032, 161).payload(bytes(3000)).build(), 0x2222, false));
              frames.addAll(fragments(FrameBuilder.ip("10.0.0.4", "10.0.0.1").macs(mac(p, "h4"), mac(p, "h1"))
                  .udp(40033, OPEN_PORT).payload(bytes(2000)).build(), 0x3333, true));
              return heard(p, frames, List.of("h1"), OPEN_PORT, 161);
            },
            "h1: udp 5999 10.0.0.1 2000, udp 5999 10.0.0.1 3000"),
        // session 12: the teardown traps (TeardownTraps). h2 takes answers only, and a new connection
        // from server port 3001; h4 has no rules, so only h2's table judges on the kernel's side
        Scenario.same("offloaded, closed with FIN both ways: the server's SYN on the tuple is judged by conntrack",
            Map.of("h2", TEARDOWN_CLIENT),
            (p, t) -> {
              List<String> r = new ArrayList<>();
              for (int port : new int[] {3000, REOPENS}) {
                int sport = port == REOPENS ? 41011 : 41010;
                teardown(p, t, port, sport, "fin", (q, last) -> serverSyn(q, port, sport, last))
                    .forEach(x -> r.add(port + " " + x));
              }
              return r;
            },
            "3000 end closed", "3000 ct TIME_WAIT", "3000 probe dropped",
            "3001 end closed", "3001 ct TIME_WAIT", "3001 probe delivered")
            // h2's last ACK is carried by its entry: conntrack stays in LAST_ACK, where a reply SYN is INVALID
            .deliberately("3000 end closed", "3000 ct LAST_ACK", "3000 probe dropped",
                "3001 end closed", "3001 ct LAST_ACK", "3001 probe dropped"),
        Scenario.same("offloaded, reset by the server: data after the RST on the tuple, in its window and 2^30 beyond",
            Map.of("h2", TEARDOWN_CLIENT),
            (p, t) -> {
              List<String> r = new ArrayList<>();
              teardown(p, t, 3002, 41020, "rst", (q, last) -> serverData(q, 3002, 41020, last, 0))
                  .forEach(x -> r.add("in window " + x));
              teardown(p, t, 3004, 41040, "rst", (q, last) -> serverData(q, 3004, 41040, last, 1L << 30))
                  .forEach(x -> r.add("beyond " + x));
              return r;
            },
            "in window end reset", "in window ct CLOSE", "in window probe delivered",
            "beyond end reset", "beyond ct CLOSE", "beyond probe dropped")
            // the entry still carries the tuple until conntrack's CLOSE (10 s) ends: the segment is not judged
            .deliberately("in window end reset", "in window ct CLOSE", "in window probe delivered",
                "beyond end reset", "beyond ct CLOSE", "beyond probe delivered"),
        Scenario.same("offloaded, half-closed by the client: the server's data after the client's FIN still arrives",
            Map.of("h2", TEARDOWN_CLIENT),
            (p, t) -> teardown(p, t, 3003, 41030, "halfclose", null),
            "half-closed data:10", "half-closed ct CLOSE_WAIT", "end closed", "ct TIME_WAIT")
            // the ACKs that move Linux on (the server's data, h2's last ACK) are carried by the entries
            .deliberately("half-closed data:10", "half-closed ct FIN_WAIT", "end closed", "ct LAST_ACK"));
  }

  static final long BROADCAST = 0xFFFF_FFFF_FFFFL;
  /** 224.0.0.1's group MAC. */
  static final long ALL_HOSTS_MAC = 0x0100_5E00_0001L;

  @ParameterizedTest(name = "{0}")
  @MethodSource("scenarios")
  void netfilterAndStatewallAgree(Scenario s) throws Exception {
    String tag = Integer.toHexString(s.name().hashCode());
    CompletableFuture<List<String>> k = CompletableFuture.supplyAsync(() -> run(s, kernel, tag));
    List<String> sw = run(s, statewall, tag);
    List<String> kn = k.join();
    boolean same = kn.equals(sw);
    tally.add(String.format("%-13s %s%n    netfilter: %s%n    statewall: %s",
        same ? "SAME" : s.deliberate() ? "DELIBERATE" : "DIFFERENT", s.name(), kn, sw));
    assertThat(kn).as("netfilter").isEqualTo(s.expected());
    if (s.deliberate()) {
      assertThat(sw).as("statewall (a deliberate difference)").isEqualTo(s.statewallExpected());
    } else {
      assertThat(sw).as("statewall").isEqualTo(kn);
    }
  }

  private static List<String> run(Scenario s, Side side, String tag) {
    try {
      configure(s, side);
      return s.traffic().run(side.probes(), tag);
    } catch (Exception e) {
      throw new IllegalStateException(side.name() + ": " + e, e);
    }
  }

  private static void configure(Scenario s, Side side) throws Exception {
    MininetNetwork net = side.probes().net;
    if (side == kernel) {
      for (Host h : net.hosts()) {
        h.loadIptables(OPEN);
        String r = s.rules().get(h.name());
        if (r != null) {
          h.loadIptables(r);
        }
        h.exec("conntrack -F; conntrack -F expect");
      }
      return;
    }
    Path dir = Files.createTempDirectory(policyDir, "scenario");
    StringBuilder yaml = new StringBuilder("hosts:\n");
    Map<String, String> sorted = new LinkedHashMap<>();
    s.rules().keySet().stream().sorted().forEach(h -> sorted.put(h, s.rules().get(h)));
    for (var e : sorted.entrySet()) {
      Path f = FirewallNetwork.write(dir, e.getKey() + ".rules", e.getValue());
      yaml.append("  - address: ").append(Probes.ip(e.getKey())).append("\n    rules: ").append(f).append('\n');
    }
    yaml.append("offload:\n  idle-timeout: 60\n");
    fw.firewall.apply(new PolicyLoader().load(FirewallNetwork.write(dir, "policy.yaml", yaml.toString())));
    fw.firewall.tracker().flush();
  }
}
