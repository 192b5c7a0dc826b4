package io.statewall.operator.api;

import io.statewall.controller.launch.ApiConfig;
import io.statewall.controller.launch.HostPort;
import java.io.IOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * Where the operator's HTTP API listens, the bearer token every request must carry (from its token
 * file, made on first start), the names it may be reached by, its HTTPS certificate if any, and
 * what one client may hold of it.
 */
public record ApiSettings(String host, int port, String token, Path tokenFile, Optional<Tls> tls,
    Set<String> allowedHosts, ApiLimits limits) {

  /** The PEM certificate (chain) and PKCS#8 key HTTPS is served with. */
  public record Tls(Path cert, Path key) {}

  public ApiSettings {
    if (token == null || token.length() < 16) {
      throw new IllegalArgumentException("the API needs a bearer token of 16 characters or more");
    }
    allowedHosts = Set.copyOf(allowedHosts);
  }

  /** Plain HTTP with the default limits and no extra host names (tests). */
  public ApiSettings(String host, int port, String token) {
    this(host, port, token, null, Optional.empty(), Set.of(), ApiLimits.DEFAULTS);
  }

  /** Parses {@code run}'s API options; empty when the API is off. Throws with a one-line reason. */
  public static Optional<ApiSettings> parse(ApiConfig config) {
    if (config.address() == null || config.address().equalsIgnoreCase("off")) {
      return Optional.empty();
    }
    HostPort at;
    try {
      at = HostPort.parse(config.address());
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("--api " + e.getMessage() + " (HOST:PORT or off)");
    }
    if ((config.tlsCert() == null) != (config.tlsKey() == null)) {
      throw new IllegalArgumentException("--api-tls-cert and --api-tls-key must be given together");
    }
    Optional<Tls> tls = Optional.empty();
    if (config.tlsCert() != null) {
      for (Path f : List.of(config.tlsCert(), config.tlsKey())) {
        if (!Files.isReadable(f) || Files.isDirectory(f)) {
          throw new IllegalArgumentException("cannot read API TLS file " + f);
        }
      }
      tls = Optional.of(new Tls(config.tlsCert(), config.tlsKey()));
    }
    Set<String> names = new TreeSet<>();
    for (String n : config.allowedHosts()) {
      String h = HostCheck.normalize(n);
      if (h.isEmpty() || h.contains("/") || h.contains(" ")) {
        throw new IllegalArgumentException("--api-allowed-host " + n + ": not a host name or address");
      }
      names.add(h);
    }
    Path tokenFile = config.tokenFile() != null ? config.tokenFile() : ApiTokenFile.defaultPath();
    String token;
    try {
      token = ApiTokenFile.readOrCreate(tokenFile);
    } catch (IOException e) {
      throw new IllegalArgumentException("--api-token-file " + tokenFile + ": " + e.getMessage());
    }
    isLoopback(at.host()); // an unknown host is refused here, before any port is bound
    return Optional.of(new ApiSettings(at.host(), at.port(), token, tokenFile, tls, names, ApiLimits.DEFAULTS));
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

  /** The Host header names this API answers to. */
  HostCheck hostCheck() {
    return new HostCheck(host.toLowerCase(Locale.ROOT), allowedHosts);
  }

  @Override
  public String toString() {
    return (tls.isPresent() ? "https://" : "http://") + (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
  }
}
