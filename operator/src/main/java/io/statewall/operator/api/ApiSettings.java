package io.statewall.operator.api;

import io.statewall.controller.launch.HostPort;

import java.io.IOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * Where the operator's HTTP API listens, the bearer token it asks for (none on loopback unless
 * given), and its HTTPS certificate if any. A non-loopback address without a token is refused: the
 * API can flush the firewall's state.
 */
public record ApiSettings(String host, int port, Optional<String> token, Optional<Tls> tls) {

  /** The PEM certificate (chain) and PKCS#8 key HTTPS is served with. */
  public record Tls(Path cert, Path key) {}

  public ApiSettings(String host, int port, Optional<String> token) {
    this(host, port, token, Optional.empty());
  }

  /** Parses {@code run}'s API options; empty when the API is off. Throws with a one-line reason. */
  public static Optional<ApiSettings> parse(io.statewall.controller.launch.ApiConfig config) {
    Optional<ApiSettings> s = parse(config.address(), config.tokenFile());
    if ((config.tlsCert() == null) != (config.tlsKey() == null)) {
      throw new IllegalArgumentException("--api-tls-cert and --api-tls-key must be given together");
    }
    if (s.isEmpty() || config.tlsCert() == null) {
      return s;
    }
    for (Path f : List.of(config.tlsCert(), config.tlsKey())) {
      if (!Files.isReadable(f) || Files.isDirectory(f)) {
        throw new IllegalArgumentException("cannot read API TLS file " + f);
      }
    }
    ApiSettings plain = s.get();
    return Optional.of(new ApiSettings(plain.host(), plain.port(), plain.token(),
        Optional.of(new Tls(config.tlsCert(), config.tlsKey()))));
  }

  /** Parses {@code --api} and {@code --api-token-file}; empty when the API is off. Throws with a one-line reason. */
  public static Optional<ApiSettings> parse(String api, Path tokenFile) {
    if (api == null || api.equalsIgnoreCase("off")) {
      return Optional.empty();
    }
    HostPort at;
    try {
      at = HostPort.parse(api);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("--api " + e.getMessage() + " (HOST:PORT or off)");
    }
    String host = at.host();
    int port = at.port();
    Optional<String> token = tokenFile == null ? Optional.empty() : Optional.of(readToken(tokenFile));
    if (token.isEmpty() && !isLoopback(host)) {
      throw new IllegalArgumentException("--api " + api + " is not a loopback address: give --api-token-file "
          + "(a bearer token clients must send) or listen on 127.0.0.1");
    }
    return Optional.of(new ApiSettings(host, port, token));
  }

  static boolean isLoopback(String host) {
    try {
      InetAddress[] all = InetAddress.getAllByName(host);
      for (InetAddress a : all) {
        if (!a.isLoopbackAddress()) {
          return false;
        }
      }
      return all.length > 0;
    } catch (UnknownHostException e) {
      throw new IllegalArgumentException("--api: unknown host " + host);
    }
  }

  private static String readToken(Path file) {
    String t;
    try {
      t = Files.readString(file, StandardCharsets.UTF_8).strip();
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot read --api-token-file " + file + ": " + e.getMessage());
    }
    if (t.length() < 16 || t.chars().anyMatch(c -> c <= ' ' || c > '~')) {
      throw new IllegalArgumentException("--api-token-file " + file
          + ": the token must be at least 16 printable characters on one line");
    }
    return t;
  }

  @Override
  public String toString() {
    return (tls.isPresent() ? "https://" : "http://") + (host.contains(":") ? "[" + host + "]" : host) + ":" + port
        + (token.isPresent() ? " (token)" : "");
  }
}
