package io.statewall.mininet;

/** A failure reported by the harness or by Mininet, with a message that says what went wrong. */
public class MininetException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public MininetException(String message) {
    super(message);
  }

  public MininetException(String message, Throwable cause) {
    super(message, cause);
  }
}
