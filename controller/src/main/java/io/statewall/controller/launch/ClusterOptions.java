package io.statewall.controller.launch;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * What {@code run --cluster NAME --member ID --peers ID=HOST:PORT,...} asked for: the cluster to join,
 * this controller's member id, and every member (itself included) with the address its cluster traffic
 * uses. Every member is given the same peer list: Raft's membership is that fixed set of ids, and this
 * member binds to its own entry's address.
 *
 * @param name the cluster's name: members of different names never meet
 * @param member this controller's id, one of the peers'
 * @param peers every member, in the order given
 * @param mastership how the switches are spread: one of {@link #MASTERSHIPS}
 * @param balanceAfter how long the ready members' switch sets must stay the same before the Raft leader
 *     puts every switch back at its rendezvous winner (zero: never on its own)
 */
public record ClusterOptions(String name, String member, List<Peer> peers, String mastership,
    Duration balanceAfter) {
  /** The default of {@code --cluster-balance-after}, in seconds (the cluster module's own default). */
  public static final long DEFAULT_BALANCE_AFTER_SECONDS = 10;

  /** How mastership is spread (the cluster module's Placement): each switch to its own member, or all to one. */
  public static final List<String> MASTERSHIPS = List.of("per-switch", "network");
  public static final String DEFAULT_MASTERSHIP = "per-switch";

  /** A cluster name is never this: it is what {@code statewall cluster} shows for one process. */
  public static final String NONE = "none";

  /** One member: its id and where its cluster traffic goes. */
  public record Peer(String id, HostPort address) {
    public Peer {
      checkId("member id", id);
      Objects.requireNonNull(address, "address");
    }

    /** Parses {@code ID=HOST:PORT}; throws IllegalArgumentException with a one-line reason. */
    public static Peer parse(String text) {
      int eq = text.indexOf('=');
      if (eq < 1 || eq == text.length() - 1) {
        throw new IllegalArgumentException("peer '" + text + "' is not ID=HOST:PORT (each member's id and "
            + "cluster address, this member's own included)");
      }
      HostPort address = HostPort.parse(text.substring(eq + 1));
      if (address.port() == 0) {
        throw new IllegalArgumentException("peer '" + text + "': a member needs a fixed port, not 0");
      }
      return new Peer(text.substring(0, eq), address);
    }

    @Override
    public String toString() {
      return id + "=" + address;
    }
  }

  public ClusterOptions(String name, String member, List<Peer> peers) {
    this(name, member, peers, DEFAULT_MASTERSHIP);
  }

  public ClusterOptions(String name, String member, List<Peer> peers, String mastership) {
    this(name, member, peers, mastership, Duration.ofSeconds(DEFAULT_BALANCE_AFTER_SECONDS));
  }

  public ClusterOptions {
    Objects.requireNonNull(balanceAfter, "balanceAfter");
    if (balanceAfter.isNegative()) {
      throw new IllegalArgumentException("balance-after " + balanceAfter.toSeconds() + " s: not negative (0: never)");
    }
    if (!MASTERSHIPS.contains(mastership)) {
      throw new IllegalArgumentException("mastership '" + mastership + "': expected one of " + MASTERSHIPS);
    }
    checkId("cluster name", name);
    if (name.equals(NONE)) {
      throw new IllegalArgumentException("'" + NONE + "' is not a cluster name: it means no cluster");
    }
    checkId("member id", member);
    peers = List.copyOf(peers);
    Set<String> ids = new HashSet<>();
    Set<HostPort> addresses = new HashSet<>();
    for (Peer p : peers) {
      if (!ids.add(p.id())) {
        throw new IllegalArgumentException("member " + p.id() + " is listed twice in the peers");
      }
      if (!addresses.add(p.address())) {
        throw new IllegalArgumentException("two members have the address " + p.address());
      }
    }
    if (!ids.contains(member)) {
      throw new IllegalArgumentException("member " + member + " is not one of the peers "
          + peers.stream().map(Peer::id).toList() + "; list every member, this one included (ID=HOST:PORT)");
    }
  }

  /** This member's own address: where it listens for the others. */
  public HostPort self() {
    return peers.stream().filter(p -> p.id().equals(member)).findFirst().orElseThrow().address();
  }

  /** Every member's id, in the order given. */
  public List<String> ids() {
    List<String> ids = new ArrayList<>();
    peers.forEach(p -> ids.add(p.id()));
    return ids;
  }

  /** The other members' addresses. */
  public List<HostPort> others() {
    return peers.stream().filter(p -> !p.id().equals(member)).map(Peer::address).toList();
  }

  /** The peer of {@code id}, if it is one. */
  public Optional<Peer> peer(String id) {
    return peers.stream().filter(p -> p.id().equals(id)).findFirst();
  }

  private static void checkId(String what, String id) {
    if (id == null || !id.matches("[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")) {
      throw new IllegalArgumentException(what + " '" + id + "' must be 1 to 64 letters, digits, '.', '_' or '-' "
          + "(starting with a letter or digit)");
    }
  }
}
