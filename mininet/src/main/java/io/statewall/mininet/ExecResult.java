package io.statewall.mininet;

/** How a host command ended: its exit code and everything it printed. */
public record ExecResult(int exitCode, String stdout, String stderr) {

  public boolean succeeded() {
    return exitCode == 0;
  }

  /** This result, or an exception carrying the output when the command failed. */
  public ExecResult orThrow() {
    if (!succeeded()) {
      throw new MininetException("command failed with exit code " + exitCode + "\n--- stdout ---\n"
          + stdout + "\n--- stderr ---\n" + stderr);
    }
    return this;
  }
}
