package io.statewall.operator.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.statewall.apps.main.OperatorViews;
import io.statewall.controller.launch.ApiConfig;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The API over HTTPS with an operator's PEM certificate and key, as openssl makes them. */
class ApiTlsTest {
  @TempDir
  Path dir;

  private void selfSigned(Path cert, Path key) throws Exception {
    Process p = new ProcessBuilder("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout",
        key.toString(), "-out", cert.toString(), "-days", "1", "-subj", "/CN=localhost",
        "-addext", "subjectAltName=IP:127.0.0.1").redirectErrorStream(true).start();
    p.getInputStream().readAllBytes();
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).isZero();
  }

  @Test
  void servesHttpsWithThePemCertificateAndRefusesPlainHttp() throws Exception {
    Path cert = dir.resolve("api.pem");
    Path key = dir.resolve("api.key");
    selfSigned(cert, key);
    try (RunningController c = new RunningController(dir, null)) {
      ApiServer tls = new ApiServer(new ApiSettings("127.0.0.1", 0, c.token, null,
          Optional.of(new ApiSettings.Tls(cert, key)), Set.of(), ApiLimits.DEFAULTS), OperatorViews.of(c.firewall, null, null, null),
          new FirewallMetrics());
      int port = tls.start().getPort();
      try {
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        try (InputStream in = Files.newInputStream(cert)) {
          trust.setCertificateEntry("api", CertificateFactory.getInstance("X.509").generateCertificate(in));
        }
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        SSLContext ssl = SSLContext.getInstance("TLS");
        ssl.init(null, tmf.getTrustManagers(), null);
        HttpClient https = HttpClient.newBuilder().sslContext(ssl).connectTimeout(Duration.ofSeconds(5)).build();
        HttpResponse<String> r = https.send(HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + port
            + "/api/v1/policy")).header("Authorization", "Bearer " + c.token).timeout(Duration.ofSeconds(10)).build(),
            HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).contains("servers.rules");
        // plain HTTP gets a TLS alert, not the API
        assertThatThrownBy(() -> c.http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port
            + "/api/v1/policy")).timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString()))
            .isInstanceOf(IOException.class);
      } finally {
        tls.close();
      }
    }
  }

  @Test
  void aKeyThatIsNotPkcs8PemFailsStartWithTheFileNamed() throws Exception {
    Path cert = dir.resolve("api.pem");
    Path key = dir.resolve("api.key");
    selfSigned(cert, key);
    Files.writeString(key, "not a key\n");
    ApiServer tls = new ApiServer(new ApiSettings("127.0.0.1", 0, "0123456789abcdef", null,
        Optional.of(new ApiSettings.Tls(cert, key)), Set.of(), ApiLimits.DEFAULTS), OperatorViews.of(null, null, null, null),
        new FirewallMetrics());
    assertThatThrownBy(tls::start).isInstanceOf(UncheckedIOException.class)
        .hasMessageContaining(key + " is not a PKCS#8 PEM private key");
  }

  @Test
  void tlsNeedsBothFiles() {
    assertThatThrownBy(() -> ApiSettings.parse(new ApiConfig("127.0.0.1:0", null,
        dir.resolve("c.pem"), null))).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("--api-tls-cert and --api-tls-key must be given together");
  }
}
