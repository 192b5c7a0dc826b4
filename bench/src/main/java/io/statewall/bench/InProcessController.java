package io.statewall.bench;

import java.net.InetSocketAddress;
import java.util.Optional;

/**
 * The statewall controller started inside the bench process, on a free loopback port, with a
 * generated policy. The composition root supplies it; the bench only starts, measures and closes.
 *
 * <p>The policy of {@code rules} realistic rules must accept the generator's traffic (TCP SYNs to
 * port 80 between hosts 10.0.s.h of neighbouring switches, see {@link EmulatedNetwork}) only after
 * traversing them, not at the first rule.
 */
public interface InProcessController extends AutoCloseable {
  /**
   * Starts the controller with a generated policy of {@code rules} rules (0: an open policy, no rule
   * set at all) and {@code workerThreads} event loops for its switches; returns where it listens.
   */
  InetSocketAddress start(int rules, int workerThreads) throws Exception;

  /**
   * What the controller holds after a run: its tracked connections and the live heap of the whole
   * process (after a GC). Empty when it cannot tell.
   */
  default Optional<Footprint> footprint() {
    return Optional.empty();
  }

  /**
   * Tracked connections and live heap bytes at one moment, the packet-outs the controller dropped
   * because a switch's send buffer was full (-1 when it cannot tell: each is a connection lost), and
   * the bytes the controller's switch threads allocated since it started (-1 when it cannot tell):
   * with the live heap, what a connection leaves behind and what it makes on its way.
   */
  record Footprint(long trackedConnections, long liveHeapBytes, long droppedPacketOuts,
      long switchThreadAllocatedBytes) {
    public Footprint(long trackedConnections, long liveHeapBytes) {
      this(trackedConnections, liveHeapBytes, -1, -1);
    }

    /** Bytes the switch threads allocated per tracked connection, or -1 when either is unknown. */
    public long allocatedBytesPerConnection() {
      return switchThreadAllocatedBytes < 0 || trackedConnections <= 0 ? -1
          : switchThreadAllocatedBytes / trackedConnections;
    }
  }

  /** Stops it and frees its port and threads. */
  @Override
  void close();
}
