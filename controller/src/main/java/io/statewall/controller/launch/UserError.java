package io.statewall.controller.launch;

/** A mistake the user can fix (a missing file, a bad option value): one line on stderr, exit code 2. */
public class UserError extends Exception {
  public UserError(String message) {
    super(message);
  }

  public UserError(String message, Throwable cause) {
    super(message, cause);
  }
}
