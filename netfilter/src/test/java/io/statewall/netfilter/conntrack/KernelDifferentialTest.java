package io.statewall.netfilter.conntrack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.statewall.netfilter.conntrack.ftp.FtpHelper;
import io.statewall.netfilter.Namespaces;
import io.statewall.netfilter.defrag.DefragConfig;
import io.statewall.netfilter.defrag.Defragmenter;
import io.statewall.netfilter.defrag.Reassembled;
import io.statewall.netfilter.packet.Packet;
import io.statewall.netfilter.packet.PacketParser;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.TestInstance;

/**
 * The same packet sequences sent through Linux's conntrack (two network namespaces, FTP helper
 * attached by a raw-table CT rule, {@code -m state} counting rules) and through our tracker:
 * per packet the state and whether it got through, per sequence {@code conntrack -L} and
 * {@code conntrack -L expect}. Needs root, iproute2, iptables, conntrack and Debian's python3.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class KernelDifferentialTest {

  private static final PacketParser PARSER = new PacketParser();
  private String prefix;
  private final List<String> report = new ArrayList<>();
  private List<KernelResult> kernel;
  private List<DiffScenarios.Scenario> scenarios;

  /** What the kernel did with one scenario. */
  record KernelResult(List<String> states, List<Boolean> forwarded, List<String> conns,
      List<String> expects) {}

  @BeforeAll
  void runKernel() throws Exception {
    assumeTrue(Namespaces.canRun("/usr/sbin/conntrack", "/usr/sbin/iptables"),
        "needs root, ip, iptables, conntrack and /usr/bin/python3");
    prefix = "swd" + Integer.toHexString(ThreadLocalRandom.current().nextInt(0x1000, 0xFFFF));
    scenarios = DiffScenarios.all();
    try {
      setUpNamespaces();
      kernel = replay(scenarios);
    } catch (Exception | AssertionError e) {
      tearDown();
      throw e;
    }
  }

  @AfterAll
  void tearDown() throws IOException {
    if (prefix != null) {
      Namespaces.run(false, "ip", "netns", "del", prefix + "a");
      Namespaces.run(false, "ip", "netns", "del", prefix + "b");
    }
    if (!report.isEmpty()) {
      Path out = Paths.get("target", "kernel-differential.txt");
      Files.createDirectories(out.getParent());
      Files.write(out, report);
    }
  }

  @TestFactory
  List<DynamicTest> sameAsLinux() {
    List<DynamicTest> tests = new ArrayList<>();
    for (int i = 0; i < scenarios.size(); i++) {
      DiffScenarios.Scenario sc = scenarios.get(i);
      KernelResult k = kernel.get(i);
      tests.add(DynamicTest.dynamicTest(sc.name(), () -> compare(sc, k)));
    }
    return tests;
  }

  private void compare(DiffScenarios.Scenario sc, KernelResult k) {
    FakeClock clock = new FakeClock();
    ShardedConnTracker ct = new ShardedConnTracker(CtConfig.defaults(), clock, List.of(new FtpHelper()));
    Defragmenter defrag = new Defragmenter(DefragConfig.defaults(), PARSER);
    List<String> states = new ArrayList<>();
    List<Boolean> forwarded = new ArrayList<>();
    for (byte[] frame : sc.frames()) {
      // As nf_defrag before conntrack: a held or dropped fragment moves no state counter
      Optional<Reassembled> whole = defrag.offer(frame, clock.millis());
      if (whole.isEmpty()) {
        states.add("NONE");
        forwarded.add(false);
        continue;
      }
      Packet p = whole.get().packet();
      TrackOptions opts = p.isTcp() && p.dstPort() == 21 ? TrackOptions.helper("ftp") : TrackOptions.NONE;
      CtLookup l = ct.classify(p, opts);
      states.add(l.state().name());
      boolean fwd = !l.dropNow() && ct.confirm(l).accept();
      forwarded.add(fwd);
    }
    List<String> conns = ct.list();
    List<String> expects = ct.listExpectations();
    report.add("== " + sc.name());
    report.add("  kernel: " + k.states() + " fwd " + k.forwarded());
    report.add("  ours:   " + states + " fwd " + forwarded);
    k.conns().forEach(c -> report.add("  kernel L " + c));
    conns.forEach(c -> report.add("  ours   L " + c));
    k.expects().forEach(c -> report.add("  kernel X " + c));
    expects.forEach(c -> report.add("  ours   X " + c));
    if (sc.deliberate() != null && sc.kernelStates() != null) {
      report.add("  deliberate difference: " + sc.deliberate());
      assertThat(k.states()).as("kernel states per packet").isEqualTo(sc.kernelStates());
      assertThat(states).as("statewall states per packet").isEqualTo(sc.ourStates());
      return;
    }
    if (sc.deliberate() != null) {
      report.add("  deliberate difference: " + sc.deliberate());
      // Linux accepts the command and expects a wrapped port; we refuse it.
      assertThat(k.forwarded().get(k.forwarded().size() - 1)).as("kernel passes it").isTrue();
      assertThat(k.expects()).as("kernel expects a wrapped port").hasSize(1);
      assertThat(forwarded.get(forwarded.size() - 1)).as("statewall drops it").isFalse();
      assertThat(expects).isEmpty();
      return;
    }
    assertThat(states).as("states per packet").isEqualTo(k.states());
    assertThat(forwarded).as("passed per packet").isEqualTo(k.forwarded());
    assertSameListing(conns, k.conns(), 2);
    assertSameListing(expects, k.expects(), 0);
  }

  /** Same lines, except the timeout field may be up to 2 s lower in the kernel (real time ran). */
  private static void assertSameListing(List<String> ours, List<String> theirs, int timeoutField) {
    assertThat(normalise(ours, timeoutField)).isEqualTo(normalise(theirs, timeoutField));
    List<Long> a = timeouts(ours, timeoutField);
    List<Long> b = timeouts(theirs, timeoutField);
    for (int i = 0; i < a.size(); i++) {
      assertThat(a.get(i) - b.get(i)).as("timeout of " + ours).isBetween(0L, 2L);
    }
  }

  private static List<String> normalise(List<String> lines, int field) {
    List<String> out = new ArrayList<>();
    for (String l : lines) {
      String[] t = l.trim().split("\\s+");
      t[field] = "T";
      out.add(String.join(" ", t));
    }
    out.sort(null);
    return out;
  }

  private static List<Long> timeouts(List<String> lines, int field) {
    List<String> sorted = new ArrayList<>(lines);
    sorted.sort((x, y) -> normalise(List.of(x), field).get(0).compareTo(normalise(List.of(y), field).get(0)));
    List<Long> out = new ArrayList<>();
    for (String l : sorted) {
      out.add(Long.parseLong(l.trim().split("\\s+")[field]));
    }
    return out;
  }

  private void setUpNamespaces() throws IOException {
    String a = prefix + "a";
    String b = prefix + "b";
    String x = prefix + "x";
    String y = prefix + "y";
    String z0 = prefix + "z0";
    String z1 = prefix + "z1";
    Namespaces.run(true, "ip", "netns", "add", a);
    Namespaces.run(true, "ip", "netns", "add", b);
    Namespaces.run(true, "ip", "link", "add", x, "netns", a, "address", "02:00:00:00:00:01", "type", "veth",
        "peer", "name", y, "netns", b, "address", "02:00:00:00:00:02");
    // The sink: B forwards every frame out of z0 to z1 in A, which has no address and drops it.
    Namespaces.run(true, "ip", "link", "add", z1, "netns", a, "type", "veth", "peer", "name", z0, "netns", b);
    for (String dev : List.of(x, z1)) {
      Namespaces.run(true, "ip", "netns", "exec", a, "sysctl", "-qw", "net.ipv6.conf." + dev + ".disable_ipv6=1");
      Namespaces.run(true, "ip", "-n", a, "link", "set", dev, "up");
    }
    String setup = String.join("; ",
        "set -e",
        "sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1",
        "sysctl -qw net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.default.rp_filter=0",
        "sysctl -qw net.ipv6.conf." + y + ".accept_dad=0 net.ipv6.conf." + z0 + ".accept_dad=0",
        "ip link set " + y + " up", "ip link set " + z0 + " up",
        "sysctl -qw net.ipv4.conf." + y + ".rp_filter=0 net.ipv4.conf." + z0 + ".rp_filter=0",
        "ip addr add 10.9.0.2/24 dev " + y,
        "ip neigh add 10.9.4.1 lladdr 02:00:00:00:00:09 dev " + z0 + " nud permanent",
        "ip -6 neigh add fe80::9 lladdr 02:00:00:00:00:09 dev " + z0 + " nud permanent",
        "for n in 1 2 3; do ip route add 10.9.$n.0/24 via 10.9.4.1 dev " + z0 + " onlink; "
            + "ip -6 route add fd00:$n::/64 via fe80::9 dev " + z0 + "; done",
        "for t in iptables ip6tables; do "
            + "$t -t raw -A PREROUTING -p tcp --dport 21 -j CT --helper ftp; "
            + "for s in NEW ESTABLISHED RELATED INVALID UNTRACKED; do $t -A FORWARD -m state --state $s; done; "
            + "done");
    Namespaces.run(true, "ip", "netns", "exec", b, "sh", "-c", setup);
  }

  private List<KernelResult> replay(List<DiffScenarios.Scenario> scs) throws Exception {
    Path in = Files.createTempFile("swdiff", ".txt");
    try {
      List<String> lines = new ArrayList<>();
      HexFormat hex = HexFormat.of();
      for (DiffScenarios.Scenario sc : scs) {
        lines.add("S " + sc.name().replace(' ', '_'));
        for (byte[] f : sc.frames()) {
          // a fragment the kernel holds moves no counter: the script waits less for one
          lines.add((PARSER.parse(f).isFragmented() ? "F " : "P ") + hex.formatHex(f));
        }
        lines.add("E");
      }
      Files.write(in, lines);
      Path script = Paths.get(KernelDifferentialTest.class.getResource("/kernel-diff/inject.py").toURI());
      Process p = new ProcessBuilder("ip", "netns", "exec", prefix + "a", "/usr/bin/python3",
          script.toString(), prefix + "b", prefix + "x", prefix + "z0", in.toString())
          .redirectErrorStream(true).start();
      List<KernelResult> out = new ArrayList<>();
      List<String> states = new ArrayList<>();
      List<Boolean> fwd = new ArrayList<>();
      List<String> conns = new ArrayList<>();
      List<String> expects = new ArrayList<>();
      StringBuilder all = new StringBuilder();
      try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
        String line;
        while ((line = r.readLine()) != null) {
          all.append(line).append('\n');
          if (line.startsWith("R ")) {
            String[] t = line.split(" ");
            states.add(t[1]);
            fwd.add(t[2].equals("1"));
          } else if (line.startsWith("L ")) {
            conns.add(line.substring(2));
          } else if (line.startsWith("X ")) {
            expects.add(line.substring(2));
          } else if (line.equals("END")) {
            out.add(new KernelResult(states, fwd, conns, expects));
            states = new ArrayList<>();
            fwd = new ArrayList<>();
            conns = new ArrayList<>();
            expects = new ArrayList<>();
          }
        }
      }
      if (!p.waitFor(120, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new AssertionError("kernel replay timed out");
      }
      assertThat(out).as("kernel replay output:\n" + all).hasSize(scs.size());
      return out;
    } finally {
      Files.deleteIfExists(in);
    }
  }

}
