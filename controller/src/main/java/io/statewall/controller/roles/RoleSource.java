package io.statewall.controller.roles;

import java.util.Optional;
import java.util.function.Consumer;
import org.projectfloodlight.openflow.types.DatapathId;

/** Where role assignments come from: the cluster's committed mastership. */
public interface RoleSource {
  /** The current assignment for a switch; empty while the cluster has not placed it. */
  Optional<RoleAssignment> current(DatapathId dpid);

  /** Hears every later change; called on the source's thread, so it must not block. */
  void subscribe(Consumer<RoleAssignment> changes);

  /**
   * A switch refused the MASTER request of {@code assignment}, still the one wanted, as stale, and says it
   * has seen {@code switchGeneration}: the source's epochs are behind the switch's (a cluster whose members
   * all restarted with empty logs, while the switch kept running). A source that can move its epoch past it
   * does; by default nothing happens and the switch keeps refusing.
   */
  default void refusedAsStale(RoleAssignment assignment, long switchGeneration) {}
}
