package io.statewall.controller.roles;

import java.util.Optional;
import org.projectfloodlight.openflow.protocol.OFControllerRole;
import org.projectfloodlight.openflow.protocol.OFFactory;
import org.projectfloodlight.openflow.protocol.OFMessage;
import org.projectfloodlight.openflow.protocol.OFNiciraControllerRole;
import org.projectfloodlight.openflow.protocol.OFNiciraControllerRoleReply;
import org.projectfloodlight.openflow.protocol.OFRequest;
import org.projectfloodlight.openflow.protocol.OFRoleReply;
import org.projectfloodlight.openflow.protocol.OFVersion;
import org.projectfloodlight.openflow.types.U64;

/**
 * Role requests by OpenFlow version: 1.2 and later have ROLE_REQUEST with a generation id; 1.0 has only
 * Nicira's extension (NXT_ROLE_REQUEST, which Open vSwitch implements), which has no generation id; 1.1
 * has neither, so a 1.1 switch can serve a single controller only.
 */
final class RoleMessages {
  private RoleMessages() {}

  /** The request for {@code assignment}, or empty when the version has no role messages. */
  static Optional<OFRequest<? extends OFMessage>> request(OFFactory factory, RoleAssignment assignment) {
    OFVersion v = factory.getVersion();
    if (v.compareTo(OFVersion.OF_12) >= 0) {
      return Optional.of(factory.buildRoleRequest()
          .setRole(assignment.master() ? OFControllerRole.ROLE_MASTER : OFControllerRole.ROLE_SLAVE)
          .setGenerationId(U64.of(assignment.generation()))
          .build());
    }
    if (v == OFVersion.OF_10) {
      return Optional.of(factory.buildNiciraControllerRoleRequest()
          .setRole(assignment.master() ? OFNiciraControllerRole.ROLE_MASTER : OFNiciraControllerRole.ROLE_SLAVE)
          .build());
    }
    return Optional.empty();
  }

  /**
   * A request that changes nothing and reads the switch's generation id (OpenFlow 1.2+: ROLE_NOCHANGE,
   * answered with the current role and the highest generation the switch has seen); empty before 1.2.
   */
  static Optional<OFRequest<? extends OFMessage>> generationQuery(OFFactory factory) {
    if (factory.getVersion().compareTo(OFVersion.OF_12) < 0) {
      return Optional.empty();
    }
    return Optional.of(factory.buildRoleRequest().setRole(OFControllerRole.ROLE_NOCHANGE)
        .setGenerationId(U64.ZERO).build());
  }

  /**
   * Whether {@code reply} confirms {@code assignment}: the role asked for and, where the version has
   * one, the same generation (a switch that knows a newer one would have refused the request as stale).
   */
  static boolean confirms(OFMessage reply, RoleAssignment assignment) {
    if (reply instanceof OFRoleReply r) {
      OFControllerRole wanted = assignment.master() ? OFControllerRole.ROLE_MASTER : OFControllerRole.ROLE_SLAVE;
      return r.getRole() == wanted && r.getGenerationId().getValue() == assignment.generation();
    }
    if (reply instanceof OFNiciraControllerRoleReply r) {
      return r.getRole() == (assignment.master() ? OFNiciraControllerRole.ROLE_MASTER : OFNiciraControllerRole.ROLE_SLAVE);
    }
    return false;
  }
}
