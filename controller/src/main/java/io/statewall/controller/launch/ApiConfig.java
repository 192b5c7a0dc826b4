package io.statewall.controller.launch;

import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * What `statewall run` was told about the operator's HTTP API, unchecked here (the apps side that
 * serves it checks it and says what is wrong).
 *
 * @param address HOST:PORT, or "off"
 * @param tokenFile file holding the bearer token clients must send (created on first start when
 *     missing), or null for the default place
 * @param tlsCert PEM certificate (chain) to serve HTTPS with, or null for plain HTTP
 * @param tlsKey PKCS#8 PEM private key of {@code tlsCert}, or null
 * @param allowedHosts names clients may reach the API by (the Host header), beyond its address and localhost
 */
public record ApiConfig(String address, Path tokenFile, Path tlsCert, Path tlsKey, List<String> allowedHosts) {
  /** Loopback only. */
  public static final String DEFAULT_ADDRESS = "127.0.0.1:8080";
  public static final ApiConfig DEFAULT = new ApiConfig(DEFAULT_ADDRESS, null, null, null);

  public ApiConfig {
    Objects.requireNonNull(address, "address");
    allowedHosts = allowedHosts == null ? List.of() : List.copyOf(allowedHosts);
  }

  public ApiConfig(String address, Path tokenFile, Path tlsCert, Path tlsKey) {
    this(address, tokenFile, tlsCert, tlsKey, List.of());
  }

  /** Plain HTTP on {@code address}, with a token file or the default one. */
  public static ApiConfig of(String address, Path tokenFile) {
    return new ApiConfig(address, tokenFile, null, null);
  }
}
