package io.statewall.netfilter.conntrack;

import io.statewall.netfilter.packet.IpAddress;
import java.util.List;
import java.util.Optional;

/**
 * The network's connection-tracking table, used in Linux's hook order: {@link #classify} before
 * the filter (as nf_conntrack_in), {@link #confirm} after the filter accepted the packet (helpers,
 * then nf_conntrack_confirm). An interface so that a replicated store can take its place.
 *
 * <p>Thread-safe: several event-loop threads may call every method at once.
 */
public interface ConnTracker extends CtQuery {

  /**
   * Tracks one packet. For a connection already in the table the protocol tracker runs now and
   * updates it; a packet that starts a connection gets an unconfirmed entry (NEW, or RELATED when
   * an expectation matches) that enters the table only through {@link #confirm}.
   */
  CtLookup classify(io.statewall.netfilter.packet.Packet packet, TrackOptions options);

  /**
   * Classifies a batch of packets (say, the packet-ins of one socket read): the same results, in
   * order, as {@link #classify} one by one. An implementation may overlap the batch's memory
   * accesses, which matters when the table is far larger than the CPU caches.
   */
  default CtLookup[] classifyAll(io.statewall.netfilter.packet.Packet[] packets, TrackOptions[] options) {
    CtLookup[] out = new CtLookup[packets.length];
    for (int i = 0; i < packets.length; i++) {
      out[i] = classify(packets[i], options[i]);
    }
    return out;
  }

  /**
   * Called only when the filter accepted the packet of {@code lookup} (for every tracked packet,
   * not just new ones): inserts an unconfirmed connection (consuming its expectation), then runs
   * the connection's helper, which may expect a related connection or ask for a drop.
   */
  HelperVerdict confirm(CtLookup lookup);

  /**
   * Refreshes a connection for traffic the controller did not see (offloaded, reported by flow
   * statistics or FLOW_REMOVED): adds to its counters and restarts its timeout from now.
   */
  void touch(CtEntry entry, long packets, long bytes, CtDirection direction);

  /**
   * Marks a connection whose packets the switches carry from now on: its TCP windows are no longer
   * checked (the controller misses the segments between), as Linux does for flowtable offload.
   */
  void markOffloaded(CtEntry entry);

  /**
   * Takes in a connection found running in the switches, which no packet of ours has shown (entries
   * left by an earlier controller): confirmed, SEEN_REPLY and ASSURED, TCP in ESTABLISHED with its
   * windows unknown and be-liberal (as Linux picks a connection up mid-stream, and as an offloaded
   * one is), the protocol's established timeout from now. Returns the connection already tracked
   * under either direction of {@code original} if there is one, or empty when the table is full of
   * assured connections. Nothing is checked against a policy here: that is the caller's job.
   */
  java.util.Optional<CtEntry> adopt(CtTuple original);

  /**
   * Runs {@code action} under {@code entry}'s lock if the entry is still in the table (not deleted,
   * flushed or expired and collected), and returns what it returned; false without running it
   * otherwise. A removal takes the same lock, so its listeners run either before (and the action is
   * not run) or after the action (and see what it did): the offload layer writes entries this way.
   */
  boolean whileLive(CtEntry entry, java.util.function.BooleanSupplier action);

  /** Removes expired connections and expectations, at most {@code maxBuckets} buckets per call. */
  int collectExpired(int maxBuckets);

  /** Deletes the connection either of whose tuples is {@code tuple}; returns how many (0 or 1). */
  int delete(CtTuple tuple);

  /**
   * Whether a confirmed, unexpired connection has {@code tuple} as either of its tuples: a look-up in
   * one shard that changes nothing (an expired entry found is left to the collector).
   */
  boolean tracks(CtTuple tuple);

  /** Deletes every connection and expectation; returns how many connections. */
  int flush();

  /** Live connections (a copy). */
  List<CtEntry> entries();

  /** Live connections in {@code conntrack -L} format, one line each. */
  List<String> list();

  /** One connection in {@code conntrack -L} format, its timeout counted from now (for filtered listings). */
  String format(CtEntry entry);

  /** Pending expectations (a copy). */
  List<Expectation> expectations();

  /** Pending expectations in {@code conntrack -L expect} format. */
  List<String> listExpectations();

  CtStats stats();

  void addRemovalListener(CtRemovalListener listener);

  // --- cluster replication: the change feed out, and replicas committed in ---

  /** Sets the one listener of transitions (null: none, the default, which costs the packet path nothing). */
  void setTransitionListener(CtTransitionListener listener);

  /** Sets the one listener of new expectations, told before confirm returns (null: none). */
  void setExpectationListener(CtExpectationListener listener);

  /** The time {@code expectation} has left, in milliseconds (0 once expired). */
  long remainingMillis(Expectation expectation);

  /** {@code entry}'s replicable state now, or null if it is no longer in the table. */
  CtSnapshot snapshot(CtEntry entry);

  /**
   * Takes {@code entry} out of this table as {@link RemovalReason#HANDED_OVER} (another cluster member
   * tracks it now) and returns its replicable state then; null if it was no longer in the table. Its
   * expectations go with it from here.
   */
  CtSnapshot handOver(CtEntry entry);

  /**
   * Commits a replicated connection (a failover's heir takes over its owner's connections): a new entry
   * with the snapshot's status, TCP state and remaining timeout, its windows unknown and be-liberal (as
   * an offloaded or adopted one), or the connection already tracked under the tuple updated to it. Empty
   * when the table is full of assured connections. The transition listener hears it as CREATED.
   */
  Optional<CtEntry> restore(CtSnapshot snapshot);

  /**
   * Commits a replicated expectation of {@code master} (a restored control connection): from {@code src}
   * (any port) to {@code dst}:{@code dstPort}, for {@code remainingMillis}. False if it could not be
   * (master gone, clash, table full, already expired).
   */
  boolean restoreExpectation(CtEntry master, IpAddress src,
      IpAddress dst, int protocol, int dstPort, long remainingMillis);
}
