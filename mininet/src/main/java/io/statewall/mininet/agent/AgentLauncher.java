package io.statewall.mininet.agent;

/** Starts a Mininet agent somewhere (a container, this machine) and says whether it can. */
public interface AgentLauncher {

  /** Null when this launcher can start agents here, else why not. */
  String unavailableReason();

  /** Starts an agent for the network with this id; it listens on the caller's loopback. */
  RunningAgent launch(String networkId);

  /** A started agent. Closing it waits until the agent and everything it started are gone. */
  interface RunningAgent extends AutoCloseable {
    int port();

    /** Recent agent output, for error messages. */
    String diagnostics();

    @Override
    void close();
  }
}
