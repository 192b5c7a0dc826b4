package io.statewall.mininet;

/** A host command outlived its timeout; it was killed and what it printed so far is kept here. */
public final class CommandTimeoutException extends MininetException {
  private static final long serialVersionUID = 1L;

  private final String partialStdout;
  private final String partialStderr;

  public CommandTimeoutException(String message, String partialStdout, String partialStderr) {
    super(message + (partialStdout.isEmpty() ? "" : "\n--- stdout so far ---\n" + partialStdout)
        + (partialStderr.isEmpty() ? "" : "\n--- stderr so far ---\n" + partialStderr));
    this.partialStdout = partialStdout;
    this.partialStderr = partialStderr;
  }

  public String partialStdout() {
    return partialStdout;
  }

  public String partialStderr() {
    return partialStderr;
  }
}
