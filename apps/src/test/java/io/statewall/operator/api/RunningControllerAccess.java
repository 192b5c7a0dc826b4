package io.statewall.operator.api;

import java.nio.file.Path;

/** {@link RunningController} for tests in other packages (the CLI's). */
public final class RunningControllerAccess implements AutoCloseable {
  private final RunningController c;

  private RunningControllerAccess(RunningController c) {
    this.c = c;
  }

  public static RunningControllerAccess start(Path dir) throws Exception {
    return new RunningController(dir, null).access();
  }

  /** The file the controller made its token in (the CLI's --api-token-file). */
  public Path tokenFile() {
    return c.tokenFile;
  }

  public String hostPort() {
    return "127.0.0.1:" + c.api.getPort();
  }

  public void connect(int clientPort, int serverPort) {
    c.connect(clientPort, serverPort);
  }

  public int connections() {
    return c.firewall.tracker().entries().size();
  }

  public Path policy() {
    return c.policy;
  }

  public String policySource() {
    return c.firewall.policies().current().source();
  }

  @Override
  public void close() {
    c.close();
  }

  static RunningControllerAccess of(RunningController c) {
    return new RunningControllerAccess(c);
  }
}
