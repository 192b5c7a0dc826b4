package io.statewall.cluster;

import io.statewall.controller.roles.RoleAssignment;
import io.statewall.controller.roles.RoleSource;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import org.projectfloodlight.openflow.types.DatapathId;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The cluster's committed mastership as this member's role at each switch: master where the state
 * machine names this member, slave elsewhere; the datapath's epoch is the generation id.
 *
 * <p>Changes are delivered off RAFT's thread, in log order ({@link ClusterMember#inLogOrder}): an heir's
 * takeover (committing the previous master's replicas, tens of milliseconds a switch under load) must
 * not hold up RAFT, which tells the followers of the commit only once it is free. What {@link #current}
 * answers is what was delivered, never a newer committed state: a switch that connects in between gets
 * no MASTER request before the takeover ran.
 */
public final class ClusterRoles implements RoleSource {
  private static final Logger LOG = LoggerFactory.getLogger(ClusterRoles.class);
  private final ClusterMember member;
  /** Per datapath, the mastership last delivered to the subscriber (its takeover done). */
  private final Map<Long, Mastership> delivered = new ConcurrentHashMap<>();

  public ClusterRoles(ClusterMember member) {
    this.member = member;
  }

  @Override
  public Optional<RoleAssignment> current(DatapathId dpid) {
    Mastership m = delivered.get(dpid.getLong());
    return m == null || m.epoch() == 0 ? Optional.empty() : Optional.of(assignment(dpid.getLong(), m));
  }

  /**
   * Subscribes {@code changes} to every later change of mastership. What was committed before is what
   * {@link #current} answers until then (in {@code run} nothing is: the member joins after its apps start).
   */
  @Override
  public void subscribe(Consumer<RoleAssignment> changes) {
    member.addListener(new ClusterListener() {
      @Override
      public void mastershipChanged(long dpid, Mastership before, Mastership after, boolean firstFromBefore) {
        member.inLogOrder(() -> {
          // an heir commits its replicas before it asks for MASTER
          member.beforeRole(dpid, before, after, firstFromBefore);
          delivered.put(dpid, after);
          changes.accept(assignment(dpid, after));
        });
      }
    });
    // after the listener: a change applied meanwhile is delivered (in order) over what this puts
    member.state().view().masters().forEach(delivered::putIfAbsent);
  }

  /**
   * The switch has seen a generation past this member's epoch as its master: asks the cluster to move the
   * epoch past it ({@link ClusterCommand.RaiseEpoch}), which it does only if this member is still the
   * master at that epoch when the command is applied.
   */
  @Override
  public void refusedAsStale(RoleAssignment assignment, long switchGeneration) {
    long dpid = assignment.dpid().getLong();
    Mastership m = delivered.get(dpid);
    if (!assignment.master() || m == null || !m.isMaster(member.id()) || m.epoch() != assignment.generation()
        || MastershipStateMachine.epochAfter(m.epoch(), switchGeneration) == m.epoch() + 1) {
      return; // behind (a newer assignment was delivered), or no epoch of ours can pass the switch's
    }
    member.raiseEpoch(dpid, m.epoch(), switchGeneration).whenComplete((r, e) -> {
      if (e != null) {
        LOG.warn("member {}: could not commit an epoch past switch {}'s generation {}: {}", member.id(),
            Long.toHexString(dpid), switchGeneration, e.toString());
      }
    });
  }

  private RoleAssignment assignment(long dpid, Mastership m) {
    return new RoleAssignment(DatapathId.of(dpid), m.isMaster(member.id()), m.epoch());
  }
}
