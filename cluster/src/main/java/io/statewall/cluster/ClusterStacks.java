package io.statewall.cluster;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import org.jgroups.protocols.FD_ALL3;
import org.jgroups.protocols.FD_SOCK2;
import org.jgroups.protocols.FRAG4;
import org.jgroups.protocols.MERGE3;
import org.jgroups.protocols.MFC;
import org.jgroups.protocols.RSVP;
import org.jgroups.protocols.SHARED_LOOPBACK;
import org.jgroups.protocols.SHARED_LOOPBACK_PING;
import org.jgroups.protocols.TCP;
import org.jgroups.protocols.TCPPING;
import org.jgroups.protocols.UFC;
import org.jgroups.protocols.UNICAST3;
import org.jgroups.protocols.VERIFY_SUSPECT2;
import org.jgroups.protocols.pbcast.GMS;
import org.jgroups.protocols.pbcast.NAKACK2;
import org.jgroups.protocols.pbcast.STABLE;
import org.jgroups.protocols.raft.ELECTION;
import org.jgroups.protocols.raft.InMemoryLog;
import org.jgroups.protocols.raft.NO_DUPES;
import org.jgroups.protocols.raft.RAFT;
import org.jgroups.protocols.raft.REDIRECT;
import org.jgroups.stack.Protocol;

/**
 * The JGroups protocol stacks of a member, built in code rather than XML so that each setting is next to
 * the reason for it. Bottom (transport) first, as JGroups wants them.
 */
public final class ClusterStacks {
  /** A member silent this long is suspected, then verified, then dropped from the view (failover bound). */
  static final long FAILURE_TIMEOUT_MS = 2_000;
  static final long HEARTBEAT_MS = 500;
  /** How long a suspicion by missing heartbeats waits for the suspect to answer before it is dropped. */
  static final long VERIFY_MS = 500;

  private ClusterStacks() {}

  /**
   * The replication channel's TCP ports are the member's plus this (its own sockets, its own flow control):
   * clear of members on consecutive ports and of FD_SOCK2's (the bind port plus 100).
   */
  public static final int REPLICATION_PORT_OFFSET = 1_000;

  /** The JGroups cluster the replication channels of {@code clusterName} join. */
  public static String replicationCluster(String clusterName) {
    return clusterName + ".conntrack";
  }

  /** How often the Raft leader resends what followers have not acknowledged (jgroups-raft's default: 1,000). */
  static final long RESEND_INTERVAL_MS = 200;

  static Protocol[] stack(ClusterConfig config, MastershipStateMachine stateMachine) throws Exception {
    List<Protocol> p = membership(config.transport(), 0);
    // the Raft id is the member's identity: a second process with the same id is refused
    p.add(new NO_DUPES());
    p.add(new GMS().setJoinTimeout(1_000).printLocalAddress(false));
    p.add(new UFC());
    p.add(new MFC());
    p.add(new FRAG4());
    p.add(new ELECTION());
    // resend_interval is also how soon a follower learns a commit when nothing else is appended: at the
    // default 1 s, a follower heir took about 1 s after the Leave was committed to see it (docs/cluster.md).
    // Not send_commits_immediately: with it a restarted member never caught up (ClusterMembershipTest)
    RAFT raft = new RAFT().raftId(config.memberId()).members(config.members()).stateMachine(stateMachine)
        .resendInterval(RESEND_INTERVAL_MS);
    if (config.logDir().isPresent()) {
      raft.logDir(config.logDir().get().toString());
    } else {
      raft.logClass(InMemoryLog.class.getName());
    }
    raft.logPrefix(config.memberId() + "-" + config.clusterName());
    p.add(raft);
    // commands given to a follower are forwarded to the leader
    p.add(new REDIRECT());
    return p.toArray(Protocol[]::new);
  }

  /**
   * The conntrack replication channel's stack: the same transport, failure detection and reliable FIFO
   * delivery per sender (NAKACK2, UNICAST3), no Raft, and RSVP on top for the synchronous expectation
   * messages ({@code rsvpTimeoutMs}: how long a sender waits for the others' acks).
   */
  public static Protocol[] replicationStack(ClusterConfig.Transport transport, long rsvpTimeoutMs) throws Exception {
    List<Protocol> p = membership(transport, REPLICATION_PORT_OFFSET);
    p.add(new GMS().setJoinTimeout(1_000).printLocalAddress(false));
    p.add(new UFC());
    p.add(new MFC());
    p.add(new FRAG4());
    p.add(new RSVP().setTimeout(rsvpTimeoutMs).setResendInterval(Math.max(1, rsvpTimeoutMs / 2))
        .throwExceptionOnTimeout(true));
    return p.toArray(Protocol[]::new);
  }

  /**
   * Transport, discovery, merging, failure detection, NAKACK2, UNICAST3, STABLE: what both stacks share.
   * FD_SOCK2 sits above VERIFY_SUSPECT2, so only FD_ALL3's suspicions are verified.
   */
  private static List<Protocol> membership(ClusterConfig.Transport transport, int portOffset) throws Exception {
    List<Protocol> p = new ArrayList<>();
    if (transport instanceof ClusterConfig.Tcp tcp) {
      InetSocketAddress bind = shifted(tcp.bind(), portOffset);
      p.add(new TCP().setBindAddress(bind.getAddress()).setBindPort(bind.getPort())
          .setValue("port_range", 0));
      List<InetSocketAddress> hosts = new ArrayList<>();
      tcp.peers().forEach(peer -> hosts.add(shifted(peer, portOffset)));
      if (!hosts.contains(bind)) {
        hosts.add(bind);
      }
      p.add(new TCPPING().setInitialHosts(hosts).portRange(0));
      // two halves of a healed partition find each other again and merge their views
      p.add(new MERGE3().setMinInterval(1_000).setMaxInterval(3_000));
      // a hung process is suspected by missing heartbeats, and the suspicion verified (one more chance to
      // answer) before it is dropped from the view: a loaded machine's pause must not make a member flap
      p.add(new FD_ALL3().setTimeout(FAILURE_TIMEOUT_MS).setInterval(HEARTBEAT_MS));
      p.add(new VERIFY_SUSPECT2().setValue("timeout", VERIFY_MS));
      // a crashed process closes its sockets: suspected at once, and above VERIFY_SUSPECT2, so not held
      // for its timeout: a dead process cannot answer, and a live one's closed socket (its own leave
      // aside) does not happen on a pause or a busy machine (docs/cluster.md, "The failover sequence")
      p.add(new FD_SOCK2().setBindAddress(bind.getAddress())); // else it listens on every interface
    } else {
      p.add(new SHARED_LOOPBACK());
      p.add(new SHARED_LOOPBACK_PING());
      p.add(new MERGE3().setMinInterval(500).setMaxInterval(1_500));
      p.add(new FD_ALL3().setTimeout(FAILURE_TIMEOUT_MS).setInterval(HEARTBEAT_MS));
      p.add(new VERIFY_SUSPECT2().setValue("timeout", VERIFY_MS));
    }
    p.add(new NAKACK2());
    p.add(new UNICAST3());
    p.add(new STABLE());
    return p;
  }

  private static InetSocketAddress shifted(InetSocketAddress a, int offset) {
    return offset == 0 ? a : new InetSocketAddress(a.getAddress(), a.getPort() + offset);
  }
}
