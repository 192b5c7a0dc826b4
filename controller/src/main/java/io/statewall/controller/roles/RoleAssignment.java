package io.statewall.controller.roles;

import java.util.Objects;
import org.projectfloodlight.openflow.types.DatapathId;

/**
 * The role this controller is to take at one switch, as the cluster committed it: master or slave, and
 * the generation (the datapath's epoch) the role request carries so that the switch refuses older ones.
 */
public record RoleAssignment(DatapathId dpid, boolean master, long generation) {
  public RoleAssignment {
    Objects.requireNonNull(dpid, "dpid");
    if (generation < 0) {
      throw new IllegalArgumentException("negative generation: " + generation);
    }
  }
}
