package io.statewall.cluster;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * One member's view of its cluster.
 *
 * @param clusterName the JGroups cluster to join; members of different names never meet
 * @param memberId this member's Raft id, one of {@code members}
 * @param members every member's Raft id: the fixed Raft membership (a majority of it must be up to commit)
 * @param transport how members reach each other
 * @param logDir where the Raft log lives; empty keeps it in memory (tests; a restarted process starts
 *     from nothing and gets the state from the others)
 * @param commitTimeout how long a command waits to be committed before its future fails
 */
public record ClusterConfig(String clusterName, String memberId, List<String> members, Transport transport,
    Optional<Path> logDir, Duration commitTimeout) {

  public static final Duration DEFAULT_COMMIT_TIMEOUT = Duration.ofSeconds(5);

  /** How members reach each other. */
  public sealed interface Transport {}

  /** Members in one JVM, through JGroups' SHARED_LOOPBACK (tests). */
  public record SharedLoopback() implements Transport {}

  /** TCP on {@code bind}, finding the others at {@code peers} (TCPPING: a static list, no multicast). */
  public record Tcp(InetSocketAddress bind, List<InetSocketAddress> peers) implements Transport {
    public Tcp {
      Objects.requireNonNull(bind, "bind");
      peers = List.copyOf(peers);
    }
  }

  public ClusterConfig {
    Objects.requireNonNull(clusterName, "clusterName");
    Objects.requireNonNull(memberId, "memberId");
    members = List.copyOf(members);
    Objects.requireNonNull(transport, "transport");
    Objects.requireNonNull(logDir, "logDir");
    Objects.requireNonNull(commitTimeout, "commitTimeout");
    if (!members.contains(memberId)) {
      throw new IllegalArgumentException("member " + memberId + " is not one of the cluster's members " + members);
    }
    if (members.stream().distinct().count() != members.size()) {
      throw new IllegalArgumentException("duplicate member ids in " + members);
    }
  }

  /** A member of a cluster in this JVM with its log in memory: for tests. */
  public static ClusterConfig inJvm(String clusterName, String memberId, List<String> members) {
    return new ClusterConfig(clusterName, memberId, members, new SharedLoopback(), Optional.empty(),
        DEFAULT_COMMIT_TIMEOUT);
  }
}
