package io.statewall.mininet;

import java.util.Locale;
import java.util.Optional;

/** Where Mininet runs: in the harness's docker image (the default) or on this machine. */
public enum Backend {
  CONTAINER,
  LOCAL;

  /** System property that forces a backend ({@code container} or {@code local}). */
  public static final String PROPERTY = "statewall.mininet.backend";

  /** Environment variable that forces a backend when the property is not set. */
  public static final String ENV = "STATEWALL_MININET_BACKEND";

  /** The backend forced by the property or the environment, if any. */
  public static Optional<Backend> forced() {
    String value = System.getProperty(PROPERTY, System.getenv(ENV));
    if (value == null || value.isBlank() || value.equalsIgnoreCase("auto")) {
      return Optional.empty();
    }
    try {
      return Optional.of(valueOf(value.trim().toUpperCase(Locale.ROOT)));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          PROPERTY + " must be container, local or auto, not '" + value + "'", e);
    }
  }
}
