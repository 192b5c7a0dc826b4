package io.statewall.operator.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonInclude.Include;
import io.statewall.netfilter.conntrack.CtDirection;
import io.statewall.netfilter.conntrack.CtEntry;
import io.statewall.netfilter.conntrack.CtTuple;
import io.statewall.netfilter.policy.Decider;
import io.statewall.topology.Path;
import java.util.List;
import java.util.Map;

/** The API's JSON shapes: immutable records, written by Jackson as they are. */
public final class Views {
  private Views() {}

  /** Every error: the HTTP status and what is wrong. */
  public record ErrorView(int status, String error) {}

  /**
   * A policy that failed to load: where and why (line and column are 1-based, 0 when unknown). The
   * text at fault is not quoted: the client has its files, and an error must never carry file contents.
   */
  public record PolicyErrorView(int status, String error, String file, int line, int column) {}

  /**
   * Liveness: "ok", or "unhealthy" (503) when a periodic task died or is overdue; the counts only
   * for a request with the token ({@code /healthz} answers without one).
   */
  @JsonInclude(Include.NON_NULL)
  public record Health(String status, Integer switches, Integer connections, List<TaskView> tasks) {}

  /** One periodic task: its period, when its last run ended (ISO-8601, null before its first), its state. */
  @JsonInclude(Include.NON_NULL)
  public record TaskView(String name, double periodSeconds, String lastRun, String state, String error) {}

  public record PortView(int number, String name, boolean up) {}

  /**
   * A connected switch: this controller's OpenFlow role at it, the entries in its flow tables as it
   * last said (null until it has), packet-ins a second since the last look (null on the first).
   */
  public record SwitchView(String dpid, String name, String version, boolean ready, String role, Long flowEntries,
      Double packetInRate, List<PortView> ports) {}

  public record End(String dpid, int port) {}

  /**
   * This controller's cluster as it has applied it ({@code GET /api/v1/cluster}): its name ("none" for a
   * controller on its own, with every other field null or empty), this member, the Raft leader and term,
   * the log's commit index and what this member applied of it, every member and whether it is ready, each
   * switch's master and epoch, the committed policy generation running here or why it cannot, and
   * and conntrack replication: the lag of the last change applied here, this member's queue, the batches
   * it sent, found lost and resent.
   */
  public record ClusterView(String cluster, String member, String leader, Long term, Long commitIndex,
      Long lastApplied, Long lastAppended, List<ClusterMemberView> members, List<MastershipView> switches, Long policyGeneration,
      String policyError, Double replicationLagSeconds, Long replicationQueue, Long replicationBatchesSent,
      Long replicationBatchesLost, Long replicationBatchesResent, String mastership) {}

  /**
   * A cluster member: its id and cluster address, whether it is this one, ready, how many switches it
   * masters, and the last Raft log entry it applied (null when not known here: on a follower, the others').
   */
  public record ClusterMemberView(String id, String address, boolean self, boolean ready, int masterOf,
      Long applied) {}

  /** A switch's committed master (null: no ready member reaches it), its epoch, and this member's role there. */
  public record MastershipView(String dpid, String master, long epoch, String role) {}

  public record LinkView(End a, End b) {}

  public record HostView(String mac, End attachment, List<String> addresses) {}

  public record TupleView(String src, String dst, Integer sport, Integer dport) {
    static TupleView of(CtTuple t) {
      return new TupleView(t.src().toString(), t.dst().toString(), t.srcPort() < 0 ? null : t.srcPort(),
          t.dstPort() < 0 ? null : t.dstPort());
    }
  }

  /**
   * One tracked connection: its conntrack -L line and its fields; with a cookie when the switches
   * carry it, and then the switches its entries are on (the original direction's path).
   */
  public record ConnectionView(String line, int protocol, String tcpState, TupleView original, TupleView reply,
      boolean seenReply, boolean assured, String helper, String cookie, List<HopView> path) {}

  public record Page<T>(int total, int offset, int limit, List<T> items) {}

  public record Deleted(int deleted) {}

  /** What a rebalance moved: the switches that were off their rendezvous winner, by dpid. */
  public record Rebalanced(int moved, List<String> switches) {}

  /** A pending expectation: its conntrack -L expect line and its fields. */
  public record ExpectationView(String line, String src, String dst, int protocol, int dport, String helper,
      TupleView master, long expiresAtMillis) {}

  /** The rule (or chain policy, line 0) that decided. */
  public record RuleView(String ruleSet, String file, int line, String text, String chain) {
    static RuleView of(Decider d) {
      return d == null ? null : new RuleView(d.ruleSet(), d.file(), d.line(), d.text(), d.chain());
    }
  }

  public record RuleSetView(String name, String file, String family, String text) {}

  /** One rule as {@code iptables -L -v} shows it: where it is, its text, and the packets and bytes it matched. */
  public record RuleHits(String file, int line, String text, long packets, long bytes) {}

  /** A chain of an enforced table and its rules' counters; {@code policy} null for a user chain. */
  public record ChainHits(String table, String chain, String policy, List<RuleHits> rules) {}

  /** A rule set of the running policy with its chains' counters. */
  public record RuleSetHits(String name, String file, String family, List<ChainHits> chains) {}

  /** The running policy: its file, each rule set as iptables-save prints it, and all of it as one text. */
  public record PolicyView(String source, int idleTimeout, List<Integer> ftpPorts, List<RuleSetView> ruleSets,
      List<String> warnings, String text) {}

  /**
   * The body of {@code PUT /api/v1/policy}: the policy's YAML and the rule files it names, by the
   * names it gives them; {@code name} is what messages and {@code source} call the policy.
   */
  public record PolicyRequest(String name, String policy, Map<String, String> files) {}

  /** A tracked connection the new policy would refuse, in one direction, and the rule that would. */
  public record CutConnection(String connection, String direction, String verdict, RuleView rule) {}

  /** An offloaded connection whose entries the new policy would remove from the switches. */
  public record RemovedEntries(String connection, String cookie, int entries) {}

  public record PolicyChangeView(boolean applied, String source, List<CutConnection> noLongerAccepted,
      List<RemovedEntries> entriesRemoved, List<String> warnings) {}

  public record PacketView(String src, String dst, int protocol, Integer sport, Integer dport) {}

  public record StepView(String ruleSet, String table, String chain, String verdict, RuleView rule) {}

  public record HopView(String dpid, int in, int out) {
    static List<HopView> of(Path path) {
      return path.hops().stream().map(h -> new HopView(NetworkViews.dpid(h.sw().getLong()), h.in().getPortNumber(),
          h.out().getPortNumber())).toList();
    }
  }

  /**
   * A hypothetical packet's trace: the conntrack state it would have (and the connection or
   * expectation that gives it), each chain walked, the verdict and deciding rule, and its path and entries.
   */
  public record TraceView(PacketView packet, String state, String connection, String expectation,
      List<StepView> chains, String verdict, RuleView decidedBy, List<HopView> path, String cookie,
      List<HopView> installed, List<ReceiverView> receivers) {}

  /** One receiving host of a broadcast or multicast datagram: its path's chains and its verdict. */
  public record ReceiverView(String host, String verdict, RuleView decidedBy, List<StepView> chains) {}

  static String connection(CtEntry e) {
    CtTuple o = e.tuple(CtDirection.ORIGINAL);
    String proto = switch (e.protocol()) {
      case 6 -> "tcp";
      case 17 -> "udp";
      case 1 -> "icmp";
      case 58 -> "icmpv6";
      default -> String.valueOf(e.protocol());
    };
    return proto + " " + o.src() + (o.srcPort() >= 0 ? ":" + o.srcPort() : "") + " -> " + o.dst()
        + (o.dstPort() >= 0 ? ":" + o.dstPort() : "");
  }
}
