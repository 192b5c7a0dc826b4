package io.statewall.bench;

/** A benchmark run that could not complete: the controller misbehaved, vanished or never got ready. */
public final class BenchException extends Exception {
  public BenchException(String message) {
    super(message);
  }

  public BenchException(String message, Throwable cause) {
    super(message, cause);
  }
}
