package io.statewall.it.resilience;

import static org.assertj.core.api.Assertions.assertThat;

import io.statewall.demo.SeedLab;
import io.statewall.it.firewall.SeedFtpDesktopTest;
import io.statewall.it.resilience.StatewallCluster.Member;
import io.statewall.it.resilience.StatewallCluster.Placement;
import io.statewall.it.topology.Await;
import io.statewall.it.topology.IperfReport;
import io.statewall.mininet.BackgroundProcess;
import io.statewall.mininet.ExecResult;
import io.statewall.mininet.Host;
import io.statewall.mininet.MininetNetwork;
import io.statewall.mininet.OvsSwitch;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The traffic of the cluster's failover tests on Mininet with the seed's policy (h1 the SSH/HTTP server,
 * h2 the FTP desktop, h3 the FTP server, h4 an outsider), and the readings of it: the servers, the held
 * and the new connections' scripts, curl's FTP modes, and what their outputs say.
 */
final class ClusterTraffic {
  static final String SERVER = "10.0.0.1";
  static final String FTP_SERVER = "10.0.0.3";
  static final int HELD = 20;
  static final List<String> FTP_MODES = List.of("PASV", "EPSV", "PORT", "EPRT");

  /**
   * Holds {@code count} connections to an echo server for {@code seconds}, each echoing a numbered line
   * every 100 ms (a 5 s silence or a reset counts it lost). Prints each one's source port once all are
   * up, and at the end each one's rounds and the wall time of its last good echo.
   */
  static final String HOLD = String.join("\n",
      "import socket, sys, time, threading",
      "dst, port, count, dur = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4])",
      "end = time.time() + dur",
      "lost, last, rounds, socks = [], [0.0] * count, [0] * count, []",
      "def echo(c, msg):",
      "    c.sendall(msg)",
      "    got = b''",
      "    while not got.endswith(b'\\n'):",
      "        chunk = c.recv(100)",
      "        if not chunk:",
      "            raise Exception('closed')",
      "        got += chunk",
      "    if got != msg:",
      "        raise Exception('bad echo %r' % got)",
      "for i in range(count):",
      "    c = socket.create_connection((dst, port), timeout=5)",
      "    echo(c, b'hello\\n')",
      "    socks.append(c)",
      "print('held ' + ' '.join(str(c.getsockname()[1]) for c in socks), flush=True)",
      "def run(i):",
      "    c = socks[i]",
      "    try:",
      "        while time.time() < end:",
      "            echo(c, b'%d-%d\\n' % (i, rounds[i]))",
      "            rounds[i] += 1",
      "            last[i] = time.time()",
      "            time.sleep(0.1)",
      "        c.close()",
      "    except Exception as e:",
      "        lost.append('held %d after %d rounds at %.3f: %r' % (i, rounds[i], time.time(), e))",
      "threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]",
      "for t in threads:",
      "    t.start()",
      "for t in threads:",
      "    t.join()",
      "print('last-ok ' + ' '.join('%.3f' % t for t in last), flush=True)",
      "print('rounds ' + ' '.join(str(n) for n in rounds), flush=True)",
      "print('lost %d %s' % (len(lost), lost), flush=True)");

  /**
   * Opens a new connection every 100 ms for {@code seconds} (each: connect within {@code timeout}
   * seconds, one echo, close) and prints "new START END ok" or "new START END ERROR" with wall-clock
   * times. A short timeout (0.5 s) times the outage finely: a SYN nobody answers is not waited for.
   */
  static final String NEW_CONNECTIONS = String.join("\n",
      "import socket, sys, time",
      "dst, port, dur, timeout = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4])",
      "end = time.time() + dur",
      "while time.time() < end:",
      "    t0 = time.time()",
      "    try:",
      "        c = socket.create_connection((dst, port), timeout=timeout)",
      "        c.sendall(b'new\\n')",
      "        got = b''",
      "        while not got.endswith(b'\\n'):",
      "            chunk = c.recv(100)",
      "            if not chunk:",
      "                raise Exception('closed')",
      "            got += chunk",
      "        c.close()",
      "        print('new %.3f %.3f ok' % (t0, time.time()), flush=True)",
      "    except Exception as e:",
      "        print('new %.3f %.3f %s' % (t0, time.time(), type(e).__name__), flush=True)",
      "    time.sleep(0.1)");

  /**
   * vsftpd sends at most 200 kB/s per session, so a download lasts as long as the scenario needs (curl's
   * --limit-rate does not: the socket's receive buffer takes megabytes at full speed).
   */
  private static final String THROTTLE = "anon_max_rate=200000\n";

  private static final Pattern NEW_LINE = Pattern.compile("^new (\\d+\\.\\d+) (\\d+\\.\\d+) (\\S+)$",
      Pattern.MULTILINE);

  private final MininetNetwork net;
  private final List<BackgroundProcess> background = new ArrayList<>();
  private String ftpDir;

  ClusterTraffic(MininetNetwork net) {
    this.net = net;
  }

  /**
   * Starts the servers: an echo server on h1:22, vsftpd on h3 (throttled) with a 4 MB and a 200 kB file
   * of random bytes.
   */
  ClusterTraffic startServers() {
    Host h1 = net.host("h1");
    background.add(h1.start("exec socat TCP-LISTEN:22,fork,reuseaddr EXEC:cat"));
    Await.until("h1 listens on 22", Duration.ofSeconds(10),
        () -> h1.exec("ss -ltn 'sport = :22' | grep -q LISTEN").succeeded());
    Host h3 = net.host("h3");
    ftpDir = "/srv/statewall-ftp-" + net.id();
    h3.exec("mkdir -p " + ftpDir + " /srv/statewall-ftp-empty && chmod 755 " + ftpDir
        + " && head -c 4000000 /dev/urandom > " + ftpDir + "/big.bin"
        + " && head -c 200000 /dev/urandom > " + ftpDir + "/small.bin"
        + " && printf '%s' '" + SeedLab.vsftpdConf(ftpDir) + THROTTLE + "' > /tmp/" + net.id() + "-vsftpd.conf")
        .orThrow();
    background.add(h3.start("exec vsftpd /tmp/" + net.id() + "-vsftpd.conf"));
    Await.until("vsftpd listens", Duration.ofSeconds(10),
        () -> h3.exec("ss -ltn 'sport = :21' | grep -q LISTEN").succeeded());
    return this;
  }

  /** Stops every process started here and removes the FTP files; the network stays. */
  void stop() {
    for (BackgroundProcess p : background) {
      p.close();
    }
    if (ftpDir != null) {
      net.host("h3").exec("rm -rf " + ftpDir + " /tmp/" + net.id() + "-*");
    }
  }

  /** Starts a process on a host, stopped with the others. */
  BackgroundProcess start(Host h, String command) {
    BackgroundProcess p = h.start(command);
    background.add(p);
    return p;
  }

  /**
   * h2's downloads, one session per FTP mode: a 4 MB file at 200 kB/s (about 20 s) to span a kill, then a
   * small one on the same control connection, whose data connection opens after the failover.
   */
  Map<String, BackgroundProcess> startDownloads() {
    Map<String, BackgroundProcess> ftp = new LinkedHashMap<>();
    for (String mode : FTP_MODES) {
      ftp.put(mode, startDownload(mode));
    }
    return ftp;
  }

  /** Asserts every download is still running (at the kill: each spans it). */
  static void assertRunning(Map<String, BackgroundProcess> ftp) {
    assertThat(ftp).as("every FTP session still running at the kill")
        .allSatisfy((m, p) -> assertThat(p.isAlive())
            .as("%s: exit %s, %s %s", m, p.exitCode(), p.stdout(), p.stderr()).isTrue());
  }

  /**
   * Asserts what the held connections' script printed: none lost, and each answered after
   * {@code afterSeconds} (wall clock), {@code when} saying what that moment is.
   */
  static void assertHeldAnswered(String heldOut, double afterSeconds, String when) {
    assertThat(heldOut).as("no held connection lost").contains("lost 0 []");
    assertThat(numbers(heldOut, "last-ok")).as("every held connection answered %s", when).hasSize(HELD)
        .allSatisfy(t -> assertThat(t).isGreaterThan(afterSeconds));
  }

  /** Stops the traffic, the network and the cluster, in that order (each only if it was started). */
  static void close(ClusterTraffic traffic, MininetNetwork net, StatewallCluster cluster) {
    try {
      if (traffic != null) {
        traffic.stop();
      }
      if (net != null) {
        net.close();
      }
    } finally {
      if (cluster != null) {
        cluster.close();
      }
    }
  }

  /** h2's download of the big file, then the small one on the same control connection, in one FTP mode. */
  private BackgroundProcess startDownload(String mode) {
    return start(net.host("h2"), "cd /tmp && exec curl -sS -m 60 --connect-timeout 5"
        + " -w '%{time_total} s %{size_download} B\\n' " + curlMode(mode)
        + " -o " + net.id() + "-big-" + mode + " ftp://" + FTP_SERVER + "/big.bin"
        + " -o " + net.id() + "-small-" + mode + " ftp://" + FTP_SERVER + "/small.bin");
  }

  /**
   * Asserts each mode's download (started by {@link #startDownload}) finished with both files intact,
   * then that a new session in each mode is served and its file intact.
   */
  void assertDownloads(Map<String, BackgroundProcess> ftp) {
    Map<String, String> sums = sums("big.bin", "small.bin");
    Host desktop = net.host("h2");
    for (String mode : FTP_MODES) {
      ExecResult r = ftp.get(mode).stop();
      assertThat(r.exitCode()).as("%s session across the kill: %s", mode, r).isZero();
      assertThat(desktopSum(desktop, net.id() + "-big-" + mode)).as("%s big file: %s", mode, r)
          .isEqualTo(sums.get("big.bin"));
      assertThat(desktopSum(desktop, net.id() + "-small-" + mode))
          .as("%s small file, data after the failover", mode).isEqualTo(sums.get("small.bin"));
    }
    for (String mode : FTP_MODES) {
      ExecResult r = desktop.exec("cd /tmp && curl -sS -m 20 --connect-timeout 5 " + curlMode(mode)
          + " -o " + net.id() + "-after-" + mode + " ftp://" + FTP_SERVER + "/small.bin", Duration.ofSeconds(30));
      assertThat(r.exitCode()).as("a new %s session after the failover: %s", mode, r).isZero();
      assertThat(desktopSum(desktop, net.id() + "-after-" + mode)).isEqualTo(sums.get("small.bin"));
    }
  }

  /** curl's options for each FTP mode: SeedFtpDesktopTest's, the one place they are written. */
  static String curlMode(String mode) {
    return SeedFtpDesktopTest.curlMode(mode);
  }

  static String python(String script, Object... args) {
    StringBuilder sb = new StringBuilder("exec /usr/bin/python3 -u -");
    for (Object a : args) {
      sb.append(' ').append(a);
    }
    return sb.append(" <<'EOF'\n").append(script).append("\nEOF\n").toString();
  }

  /**
   * The master of a switch that every member asked names at the same epoch, once the switch confirmed it
   * (its fence open at that member).
   */
  static Optional<Placement> agreedMaster(List<Member> asked, long dpid) {
    Placement first = null;
    Member master = null;
    for (Member m : asked) {
      Optional<Placement> p = m.placement(dpid);
      if (p.isEmpty() || p.get().master() == null) {
        return Optional.empty();
      }
      if (first == null) {
        first = p.get();
      } else if (!first.master().equals(p.get().master()) || first.epoch() != p.get().epoch()) {
        return Optional.empty();
      }
      if (m.id.equals(p.get().master())) {
        master = m;
        if (!p.get().role().equals("MASTER")) {
          return Optional.empty();
        }
      }
    }
    return master == null ? Optional.empty() : Optional.of(first);
  }

  static List<Integer> heldPorts(String out) {
    Matcher m = Pattern.compile("held((?: \\d+)+)").matcher(out);
    assertThat(m.find()).as(out).isTrue();
    List<Integer> ports = new ArrayList<>();
    for (String p : m.group(1).trim().split(" ")) {
      ports.add(Integer.parseInt(p));
    }
    return ports;
  }

  static List<Double> numbers(String out, String label) {
    Matcher m = Pattern.compile(label + "((?: [\\d.]+)+)").matcher(out);
    assertThat(m.find()).as("'%s' in %s", label, out).isTrue();
    List<Double> values = new ArrayList<>();
    for (String v : m.group(1).trim().split(" ")) {
      values.add(Double.parseDouble(v));
    }
    return values;
  }

  /** Seconds each held connection's h4 -> h1 entry on a switch has existed, by the connection's source port. */
  static Map<Integer, Double> heldEntryAges(OvsSwitch sw, List<Integer> ports) {
    Map<Integer, Double> ages = new TreeMap<>();
    Pattern entry = Pattern.compile(
        "cookie=0x5357\\S*, duration=([\\d.]+)s,.*nw_src=10\\.0\\.0\\.4,.*tp_src=(\\d+),tp_dst=22");
    for (String line : sw.ofctl("dump-flows", "--no-names").split("\n")) {
      if (line.contains("actions=CONTROLLER")) {
        continue; // the teardown traps carry the connection's cookie too
      }
      Matcher m = entry.matcher(line);
      if (m.find() && ports.contains(Integer.parseInt(m.group(2)))) {
        ages.put(Integer.parseInt(m.group(2)), Double.parseDouble(m.group(1)));
      }
    }
    return ages;
  }

  /** The first new connection started at or after {@code wallMillis} that was served: its start and end. */
  static Optional<double[]> firstServedAfter(String out, long wallMillis) {
    Matcher m = NEW_LINE.matcher(out);
    while (m.find()) {
      double start = Double.parseDouble(m.group(1));
      if (start >= wallMillis / 1000.0 && m.group(3).equals("ok")) {
        return Optional.of(new double[] {start, Double.parseDouble(m.group(2))});
      }
    }
    return Optional.empty();
  }

  static int failedAfter(String out, long wallMillis, double until) {
    int failed = 0;
    Matcher m = NEW_LINE.matcher(out);
    while (m.find()) {
      double start = Double.parseDouble(m.group(1));
      if (start >= wallMillis / 1000.0 && start < until && !m.group(3).equals("ok")) {
        failed++;
      }
    }
    return failed;
  }

  static double mbits(IperfReport r, double from, double to) {
    long bytes = 0;
    double seconds = 0;
    for (IperfReport.Interval i : r.intervals()) {
      if (i.start() >= from && i.end() <= to) {
        bytes += i.bytes();
        seconds += i.end() - i.start();
      }
    }
    return seconds == 0 ? 0 : bytes * 8 / seconds / 1e6;
  }

  private Map<String, String> sums(String... files) {
    Map<String, String> out = new TreeMap<>();
    for (String f : files) {
      out.put(f, net.host("h3").exec("md5sum < " + ftpDir + "/" + f).orThrow().stdout().trim());
    }
    return out;
  }

  private static String desktopSum(Host desktop, String file) {
    ExecResult r = desktop.exec("md5sum < /tmp/" + file);
    return r.succeeded() ? r.stdout().trim() : "no file " + file;
  }

  static int count(String text, String what) {
    int n = 0;
    for (int i = text.indexOf(what); i >= 0; i = text.indexOf(what, i + 1)) {
      n++;
    }
    return n;
  }

  /** Holds the traffic running until a moment on the clock (the kill's time in the scenario). */
  static void waitUntil(long wallMillis) throws InterruptedException {
    long left = wallMillis - System.currentTimeMillis();
    if (left > 0) {
      Thread.sleep(left);
    }
  }
}
