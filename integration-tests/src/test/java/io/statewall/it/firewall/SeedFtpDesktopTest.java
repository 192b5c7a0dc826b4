package io.statewall.it.firewall;

import static org.assertj.core.api.Assertions.assertThat;

import io.statewall.demo.SeedLab;
import io.statewall.netfilter.policy.PolicyLoader;
import io.statewall.mininet.BackgroundProcess;
import io.statewall.mininet.Host;
import io.statewall.mininet.Topology;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The seed's example 4.2 on real switches: the desktop h2 ({@code examples/seed-desktop.rules})
 * downloads from vsftpd on h3 in all four FTP modes. With the helper attached the data connections
 * are RELATED and get through; without it they are NEW and refused, while the control connection
 * still works.
 */
@TestMethodOrder(org.junit.jupiter.api.MethodOrderer.OrderAnnotation.class)
public class SeedFtpDesktopTest {
  static FirewallNetwork fw;
  static Host desktop;
  static Host ftpServer;
  static BackgroundProcess vsftpd;
  static String sum;

  /** curl's options for each mode: EPSV is curl's default, PASV and PORT/EPRT are asked for. */
  public static String curlMode(String mode) {
    return switch (mode) {
      case "PASV" -> "--disable-epsv";
      case "EPSV" -> "";
      case "PORT" -> "--ftp-port - --disable-eprt";
      case "EPRT" -> "--ftp-port -";
      default -> throw new IllegalArgumentException(mode);
    };
  }

  @BeforeAll
  static void start() throws Exception {
    fw = FirewallNetwork.start(FirewallNetwork.EXAMPLES.resolve("seed.yaml"), Topology.single(4));
    desktop = fw.net.host("h2");
    ftpServer = fw.net.host("h3");
    ftpServer.exec("mkdir -p /srv/statewall-ftp /srv/statewall-ftp-empty && chmod 755 /srv/statewall-ftp"
        + " && head -c 300000 /dev/urandom > /srv/statewall-ftp/file.bin"
        + " && printf '%s' '" + SeedLab.vsftpdConf("/srv/statewall-ftp") + "' > /tmp/statewall-vsftpd.conf").orThrow();
    sum = ftpServer.exec("md5sum < /srv/statewall-ftp/file.bin").orThrow().stdout().trim();
    vsftpd = ftpServer.start("exec vsftpd /tmp/statewall-vsftpd.conf");
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (!ftpServer.exec("ss -ltn 'sport = :21' | grep -q LISTEN").succeeded()) {
      assertThat(System.nanoTime()).as("vsftpd listens").isLessThan(deadline);
      Thread.sleep(50);
    }
  }

  @AfterAll
  static void stop() {
    if (fw != null) {
      if (vsftpd != null) {
        vsftpd.close();
      }
      fw.close();
    }
  }

  private static String download(String mode) {
    desktop.exec("rm -f /tmp/statewall-ftp.out");
    var r = desktop.exec("curl -s -m 8 --connect-timeout 4 " + curlMode(mode)
        + " -o /tmp/statewall-ftp.out ftp://10.0.0.3/file.bin && md5sum < /tmp/statewall-ftp.out",
        Duration.ofSeconds(20));
    return r.succeeded() ? r.stdout().trim() : "curl exit " + r.exitCode();
  }

  @Order(1)
  @ParameterizedTest
  @ValueSource(strings = {"PASV", "EPSV", "PORT", "EPRT"})
  void withTheHelperEveryModeDownloadsByteIdentical(String mode) {
    assertThat(download(mode)).isEqualTo(sum);
  }

  @Order(2)
  @Test
  void withoutTheHelperDataConnectionsFailButControlWorks(@TempDir Path dir) throws Exception {
    String rules = Files.readString(FirewallNetwork.EXAMPLES.resolve("seed-desktop.rules"));
    String noHelper = rules.substring(rules.indexOf("*filter"));
    FirewallNetwork.write(dir, "desktop.rules", noHelper);
    Path policy = FirewallNetwork.write(dir, "policy.yaml", """
        hosts:
          - address: 10.0.0.1
            rules: %s
          - address: 10.0.0.2
            rules: desktop.rules
        """.formatted(FirewallNetwork.EXAMPLES.resolve("seed-servers.rules")));
    fw.firewall.apply(new PolicyLoader().load(policy));
    try {
      for (String mode : new String[] {"PASV", "EPSV", "PORT", "EPRT"}) {
        assertThat(download(mode)).as(mode).startsWith("curl exit");
      }
      var banner = desktop.exec("printf 'QUIT\\r\\n' | nc -w 3 10.0.0.3 21", Duration.ofSeconds(10));
      assertThat(banner.stdout()).startsWith("220");
    } finally {
      fw.firewall.apply(new PolicyLoader().load(FirewallNetwork.EXAMPLES.resolve("seed.yaml")));
    }
  }
}
