package io.statewall.cluster;

import io.statewall.controller.roles.RoleAssignment;
import io.statewall.controller.roles.RoleSource;
import java.util.Optional;
import java.util.function.Consumer;
import org.projectfloodlight.openflow.types.DatapathId;

/**
 * The cluster's committed mastership as this member's role at each switch: master where the state
 * machine names this member, slave elsewhere; the datapath's epoch is the generation id.
 */
public final class ClusterRoles implements RoleSource {
  private final ClusterMember member;

  public ClusterRoles(ClusterMember member) {
    this.member = member;
  }

  @Override
  public Optional<RoleAssignment> current(DatapathId dpid) {
    Mastership m = member.state().view().mastership(dpid.getLong());
    return m.epoch() == 0 ? Optional.empty() : Optional.of(assignment(dpid.getLong(), m));
  }

  @Override
  public void subscribe(Consumer<RoleAssignment> changes) {
    member.addListener(new ClusterListener() {
      @Override
      public void mastershipChanged(long dpid, Mastership before, Mastership after) {
        member.beforeRole(dpid, before, after); // an heir commits its replicas before it asks for MASTER
        changes.accept(assignment(dpid, after));
      }
    });
  }

  private RoleAssignment assignment(long dpid, Mastership m) {
    return new RoleAssignment(DatapathId.of(dpid), m.isMaster(member.id()), m.epoch());
  }
}
