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
}
