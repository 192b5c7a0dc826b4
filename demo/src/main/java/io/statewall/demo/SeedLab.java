package io.statewall.demo;

import io.statewall.mininet.BackgroundProcess;
import io.statewall.mininet.ExecResult;
import io.statewall.mininet.Host;
import io.statewall.mininet.MininetNetwork;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The seed's network on Mininet hosts: h1 a server with SSH (22), telnet (23) and HTTP (80);
 * h2 a desktop; h3 an FTP server (vsftpd, active and passive); h4 an outsider with a web server.
 * Starts the services and runs the seed's traffic as attempts with observable outcomes.
 */
public final class SeedLab implements AutoCloseable {
  public static final String SERVER = "10.0.0.1";
  public static final String DESKTOP = "10.0.0.2";
  public static final String FTP = "10.0.0.3";
  public static final String OUTSIDER = "10.0.0.4";

  /**
   * vsftpd's configuration for anonymous downloads from {@code anonRoot} in every mode; classic active
   * mode connects from port 20. Runs in the foreground, without its seccomp sandbox (Mininet hosts).
   */
  public static String vsftpdConf(String anonRoot) {
    return String.join("\n",
        "listen=YES", "listen_ipv6=NO", "anonymous_enable=YES", "local_enable=NO", "no_anon_password=YES",
        "anon_root=" + anonRoot, "connect_from_port_20=YES", "pasv_enable=YES", "port_enable=YES",
        "seccomp_sandbox=NO", "background=NO", "secure_chroot_dir=/srv/statewall-ftp-empty",
        "xferlog_enable=NO", "");
  }

  /** One attempt of the seed's traffic: who tries what, and how to tell that it worked. */
  public record Attempt(String name, String from, String command, String dstIp, int dstPort, boolean related) {}

  /** What happened: the command's exit, and whether the outcome counts as "connected". */
  public record Outcome(Attempt attempt, boolean succeeded, String detail) {}

  private final MininetNetwork net;
  private final List<BackgroundProcess> services = new ArrayList<>();
  private String ftpSum;

  public SeedLab(MininetNetwork net) {
    this.net = net;
  }

  public MininetNetwork network() {
    return net;
  }

  /** Starts every service and waits until each one listens. */
  public SeedLab startServices() {
    Host server = net.host("h1");
    Host ftp = net.host("h3");
    Host outsider = net.host("h4");
    services.add(server.start("exec socat TCP-LISTEN:22,fork,reuseaddr SYSTEM:'echo SSH-2.0-statewall-demo'"));
    services.add(server.start("exec socat TCP-LISTEN:23,fork,reuseaddr SYSTEM:'echo telnet'"));
    services.add(server.start("cd /tmp && exec python3 -m http.server 80"));
    services.add(outsider.start("exec socat TCP-LISTEN:80,fork,reuseaddr SYSTEM:'echo outside'"));
    ftp.exec("mkdir -p /srv/statewall-ftp /srv/statewall-ftp-empty && chmod 755 /srv/statewall-ftp"
        + " && head -c 300000 /dev/urandom > /srv/statewall-ftp/file.bin"
        + " && printf '%s' '" + vsftpdConf("/srv/statewall-ftp") + "' > /tmp/statewall-vsftpd.conf").orThrow();
    ftpSum = ftp.exec("md5sum < /srv/statewall-ftp/file.bin").orThrow().stdout().trim();
    services.add(ftp.start("exec vsftpd /tmp/statewall-vsftpd.conf"));
    awaitListening(server, 22);
    awaitListening(server, 23);
    awaitListening(server, 80);
    awaitListening(outsider, 80);
    awaitListening(ftp, 21);
    return this;
  }

  private static void awaitListening(Host h, int port) {
    long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
    while (!h.exec("ss -ltn 'sport = :" + port + "' | grep -q LISTEN").succeeded()) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException(h.name() + " does not listen on port " + port);
      }
      try {
        Thread.sleep(50);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted", e);
      }
    }
  }

  /** The seed's traffic: the servers' example (4.1), then the desktop's FTP example (4.2). */
  public static List<Attempt> seedAttempts() {
    String ftpGet = "rm -f /tmp/dl && curl -s -m 8 --connect-timeout 4 %s -o /tmp/dl ftp://" + FTP
        + "/file.bin && md5sum < /tmp/dl";
    return List.of(
        new Attempt("outsider -> server SSH (22)", "h4", "nc -w 3 " + SERVER + " 22", SERVER, 22, false),
        new Attempt("outsider -> server HTTP (80)", "h4",
            "curl -s -m 5 -o /dev/null -w '%{http_code}' http://" + SERVER + "/", SERVER, 80, false),
        new Attempt("outsider -> server telnet (23)", "h4", "nc -w 2 " + SERVER + " 23 </dev/null | grep -q .",
            SERVER, 23, false),
        new Attempt("server -> outsider HTTP (new outbound)", "h1",
            "curl -s -m 3 http://" + OUTSIDER + "/ | grep -q outside", OUTSIDER, 80, false),
        new Attempt("desktop FTP passive PASV", "h2", ftpGet.formatted("--disable-epsv"), FTP, -1, true),
        new Attempt("desktop FTP passive EPSV", "h2", ftpGet.formatted(""), FTP, -1, true),
        new Attempt("desktop FTP active PORT", "h2", ftpGet.formatted("--ftp-port - --disable-eprt"), DESKTOP, -1, true),
        new Attempt("desktop FTP active EPRT", "h2", ftpGet.formatted("--ftp-port -"), DESKTOP, -1, true),
        new Attempt("outsider -> desktop SSH (unsolicited)", "h4", "nc -w 2 " + DESKTOP + " 22 </dev/null | grep -q .",
            DESKTOP, 22, false));
  }

  public Outcome run(Attempt a) {
    ExecResult r = net.host(a.from()).exec(a.command(), Duration.ofSeconds(20));
    boolean ok = r.succeeded() && (a.dstPort() != -1 || r.stdout().trim().equals(ftpSum));
    String detail = ok ? "connected" + (a.dstPort() == -1 ? ", file intact" : "")
        : r.exitCode() == 28 || r.exitCode() == 1 ? "timed out / refused" : "failed (exit " + r.exitCode() + ")";
    return new Outcome(a, ok, detail);
  }

  @Override
  public void close() {
    services.forEach(BackgroundProcess::close);
    services.clear();
  }
}
