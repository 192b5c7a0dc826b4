package io.statewall.it.resilience;

import static org.assertj.core.api.Assertions.assertThat;

import io.statewall.netfilter.conntrack.CtState;
import io.statewall.netfilter.conntrack.Expectation;
import io.statewall.demo.SeedLab;
import io.statewall.netfilter.packet.IpAddress;
import io.statewall.netfilter.packet.Packet;
import io.statewall.netfilter.rules.Verdict;
import io.statewall.it.resilience.HostileHostNetwork.Judged;
import io.statewall.mininet.BackgroundProcess;
import io.statewall.mininet.ExecResult;
import io.statewall.mininet.Host;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * FTP bounce on a real OVS switch, with real vsftpd told to obey a PORT naming any host
 * ({@code port_promiscuous=YES}): the outsider h4 logs in to the FTP server h3 and names the desktop
 * h2 (which lets in nothing NEW, but every RELATED connection) in PORT and EPRT. The helper creates no
 * expectation, so vsftpd's data connection to h2 is NEW and dropped, and nothing reaches h2's
 * listener. The same commands naming h4 itself create the expectation and the listing arrives.
 */
class FtpBounceTest {

  static final String DESKTOP_RULES = """
      *filter
      :INPUT DROP [0:0]
      :FORWARD DROP [0:0]
      :OUTPUT ACCEPT [0:0]
      -A INPUT -m state --state ESTABLISHED,RELATED -j ACCEPT
      COMMIT
      """;

  @TempDir static Path dir;
  static HostileHostNetwork n;
  static Host desktop;
  static Host ftpServer;
  static Host outsider;
  static BackgroundProcess vsftpd;

  @BeforeAll
  static void start() throws Exception {
    // the FTP helper on port 21 for every host (as loading nf_conntrack_ftp with ports=21), so the
    // outsider's control connection is inspected; the desktop lets in every RELATED connection, so
    // an expectation made from a bounce would let vsftpd's data connection reach it
    Files.writeString(dir.resolve("desktop.rules"), DESKTOP_RULES);
    Path policy = Files.writeString(dir.resolve("policy.yaml"), """
        hosts:
          - address: 10.0.0.2
            rules: desktop.rules
        helpers:
          ftp: [21]
        """);
    n = HostileHostNetwork.start(policy);
    desktop = n.host("h2");
    ftpServer = n.host("h3");
    outsider = n.host("h4");
    // vsftpd obeys a PORT naming any host; it connects from an ephemeral port (binding port 20 fails
    // inside the harness's container: "500 OOPS: vsf_sysutil_bind")
    String conf = SeedLab.vsftpdConf("/srv/statewall-bounce").replace("connect_from_port_20=YES", "connect_from_port_20=NO")
        + "port_promiscuous=YES\nconnect_timeout=4\n";
    ftpServer.exec("mkdir -p /srv/statewall-bounce /srv/statewall-ftp-empty && chmod 755 /srv/statewall-bounce"
        + " && echo listed > /srv/statewall-bounce/file.txt"
        + " && printf '%s' '" + conf + "' > /tmp/statewall-bounce-vsftpd.conf").orThrow();
    vsftpd = ftpServer.start("exec vsftpd /tmp/statewall-bounce-vsftpd.conf");
    HostileHostNetwork.awaitListening(ftpServer, 21);
  }

  @AfterAll
  static void stop() {
    if (vsftpd != null) {
      vsftpd.close();
    }
    if (n != null) {
      n.close();
    }
  }

  /** Logs in to h3 as h4, sends {@code portCommand}, then LIST; prints every reply line. */
  private static String session(String portCommand) {
    String script = String.join("\n",
        "import socket, sys",
        "c = socket.create_connection(('10.0.0.3', 21), timeout=10)",
        "f = c.makefile('rb')",
        "def reply():",
        "    while True:",
        "        line = f.readline().decode(errors='replace')",
        "        print(line.rstrip())",
        "        if len(line) < 4 or line[3] != '-':",
        "            return line",
        "def cmd(s):",
        "    c.sendall((s + '\\r\\n').encode())",
        "    return reply()",
        "reply()",
        "cmd('USER anonymous')",
        "cmd('PASS x')",
        "cmd(sys.argv[1])",
        "r = cmd('LIST')",
        "if r.startswith('150'):",
        "    reply()",
        "cmd('QUIT')");
    ExecResult r = outsider.exec("/usr/bin/python3 - '" + portCommand + "' <<'EOF'\n" + script + "\nEOF\n",
        Duration.ofSeconds(30));
    return r.stdout() + r.stderr();
  }

  private static Predicate<Packet> dataTo(String dst, int port) {
    return p -> p.protocol() == Packet.PROTO_TCP && p.src().equals(IpAddress.parse("10.0.0.3"))
        && p.dst().equals(IpAddress.parse(dst)) && p.dstPort() == port;
  }

  private static List<Expectation> expectationsFor(String dst) {
    return n.firewall.tracker().expectations().stream()
        .filter(x -> x.dst().equals(IpAddress.parse(dst))).toList();
  }

  @Test
  void portAndEprtNamingAThirdHostCreateNoExpectationAndTheDataConnectionIsRefused() throws Exception {
    for (String bounce : new String[] {"PORT 10,0,0,2,19,137", "EPRT |1|10.0.0.2|5003|"}) {
      int victimPort = bounce.startsWith("PORT") ? 19 * 256 + 137 : 5003;
      desktop.exec("rm -f /tmp/statewall-bounce.out");
      try (BackgroundProcess listener = desktop.start("exec nc -l -p " + victimPort
          + " > /tmp/statewall-bounce.out")) {
        HostileHostNetwork.awaitListening(desktop, victimPort);
        int before = n.judged(dataTo("10.0.0.2", victimPort)).size();

        String transcript = session(bounce);

        assertThat(transcript).as("vsftpd obeyed %s: %s", bounce, transcript).contains("200 ");
        assertThat(transcript).as("and could not connect to h2: %s", transcript).contains("425 ");
        assertThat(expectationsFor("10.0.0.2")).as("expectations naming h2").isEmpty();
        List<Judged> attempts = n.judged(dataTo("10.0.0.2", victimPort));
        assertThat(attempts.size()).as("vsftpd's SYNs to h2 reached the firewall").isGreaterThan(before);
        assertThat(attempts.subList(before, attempts.size())).allSatisfy(j -> {
          assertThat(j.judgement().state()).as("not RELATED").isEqualTo(CtState.NEW);
          assertThat(j.judgement().verdict()).isNotEqualTo(Verdict.ACCEPT);
        });
        assertThat(listener.isAlive()).as("h2's listener got no connection").isTrue();
      }
      assertThat(desktop.exec("cat /tmp/statewall-bounce.out").stdout()).as("bytes at h2").isEmpty();
    }
  }

  @Test
  void theSameCommandsNamingTheClientItselfWork() throws Exception {
    for (String own : new String[] {"PORT 10,0,0,4,19,138", "EPRT |1|10.0.0.4|5002|"}) {
      int port = own.startsWith("PORT") ? 19 * 256 + 138 : 5002;
      try (BackgroundProcess listener = outsider.start("exec nc -l -p " + port)) {
        HostileHostNetwork.awaitListening(outsider, port);
        String transcript = session(own);
        assertThat(transcript).as(own).contains("200 ").contains("150 ").contains("226 ");
        HostileHostNetwork.await("the listing at h4", Duration.ofSeconds(10),
            () -> listener.stdout().contains("file.txt"));
        List<Judged> data = n.judged(dataTo("10.0.0.4", port));
        assertThat(data).as("the data connection's first packet").isNotEmpty();
        assertThat(data.get(0).judgement().state()).as("expected: RELATED").isEqualTo(CtState.RELATED);
      }
    }
  }
}
