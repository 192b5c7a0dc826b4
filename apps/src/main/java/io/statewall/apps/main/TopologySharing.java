package io.statewall.apps.main;

import io.statewall.cluster.replication.ConntrackReplicator;
import io.statewall.topology.TopologyManager;
import io.statewall.topology.share.TopologyShare;
import io.statewall.topology.share.TopologyShareCodec;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A member's topology shared with the others (docs/cluster.md, "Topology"): what it learned from the
 * switches it masters ({@link TopologyManager#localShare}) goes to every other member over the
 * replication channel, whole, within {@link #PUBLISH_MS} of a change, again every {@link #REFRESH_MS}
 * (soft state: a lost message is mended by the next), and at once to a member that joins the view;
 * what the others send is merged into this member's topology. A member not heard from for
 * {@link #STALE_MS} is forgotten, one that left the view too: its share is kept until then, since the
 * hosts and links it saw are still there for the heirs of its switches. A share that does not decode is
 * refused and counted; nothing of it is merged.
 */
final class TopologySharing {
  private static final Logger log = LoggerFactory.getLogger(TopologySharing.class);
  static final long PUBLISH_MS = 100;
  static final long REFRESH_MS = 5_000;
  static final long STALE_MS = 3 * REFRESH_MS + 1_000;

  private final String me;
  private final TopologyManager topology;
  private final ConntrackReplicator channel;
  private final ScheduledExecutorService work;
  /** When each member's share last arrived (nanoTime). */
  private final Map<String, Long> heardAt = new ConcurrentHashMap<>();
  /** Members whose share is merged here but who left the replication view (changed on the work thread only). */
  private final Set<String> departed = ConcurrentHashMap.newKeySet();
  private final LongAdder refused = new LongAdder();
  private final LongAdder sent = new LongAdder();
  // touched on the work thread only
  private TopologyShare lastSent;
  private long lastSentAt;
  private volatile boolean resendNow;

  TopologySharing(String me, TopologyManager topology, ConntrackReplicator channel) {
    this.me = me;
    this.topology = topology;
    this.channel = channel;
    this.work = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "statewall-topology-share-" + me);
      t.setDaemon(true);
      return t;
    });
    channel.attach(TopologyShareCodec.MAGIC, new ConntrackReplicator.Sideband() {
      @Override
      public void received(String from, byte[] buf, int off, int len) {
        heard(from, buf, off, len);
      }

      @Override
      public void viewChanged(Set<String> members, Set<String> newcomers) {
        later(() -> {
          for (String member : topology.merged()) {
            if (!members.contains(member) && departed.add(member)) {
              // its hosts and links are still where it saw them: the heirs of its switches route by them
              // at once instead of flooding every new connection's first packet to every edge port (and
              // relaying those floods to the other masters) until they learned each host again
              log.info("member {}: {} left the view: its links and hosts are kept until {} ms after its last "
                  + "share (what this member learns itself wins meanwhile)", me, member, STALE_MS);
            }
          }
          departed.retainAll(topology.merged());
          departed.removeAll(members);
        });
        if (!newcomers.isEmpty()) {
          resendNow = true; // a newcomer has nothing of this member's yet
        }
      }
    });
  }

  void start() {
    work.scheduleWithFixedDelay(this::tick, PUBLISH_MS, PUBLISH_MS, TimeUnit.MILLISECONDS);
  }

  void stop() {
    work.shutdownNow();
  }

  /** Shares from peers that did not decode, since start. */
  long refused() {
    return refused.sum();
  }

  /** The members whose share is kept here though they left the view (until it is stale). */
  Set<String> departed() {
    return Set.copyOf(departed);
  }

  /** Shares sent, since start. */
  long sent() {
    return sent.sum();
  }

  /** On JGroups' thread: decoded here (a bad one is refused at once), merged on the work thread in arrival order. */
  void heard(String from, byte[] buf, int off, int len) {
    TopologyShare share;
    try {
      share = TopologyShareCodec.decode(buf, off, len);
    } catch (IllegalArgumentException e) {
      refused.increment();
      log.warn("member {}: refused a topology share from {}: {}", me, from, e.getMessage());
      return;
    }
    later(() -> {
      heardAt.put(from, System.nanoTime());
      topology.merge(from, share);
    });
  }

  private void tick() {
    try {
      long now = System.nanoTime();
      TopologyShare mine = topology.localShare();
      if (resendNow || !mine.equals(lastSent) || now - lastSentAt >= TimeUnit.MILLISECONDS.toNanos(REFRESH_MS)) {
        resendNow = false;
        channel.sendSideband(null, TopologyShareCodec.encode(mine));
        sent.increment();
        lastSent = mine;
        lastSentAt = now;
      }
      heardAt.forEach((member, at) -> {
        if (now - at > TimeUnit.MILLISECONDS.toNanos(STALE_MS)) {
          if (departed.remove(member)) {
            log.info("member {}: {} left the view and sent nothing for {} ms: its links and hosts are forgotten", me,
                member, STALE_MS);
          } else {
            log.warn("member {}: no topology from {} for {} ms: its links and hosts are forgotten", me, member,
                STALE_MS);
          }
          heardAt.remove(member);
          topology.forget(member);
        }
      });
    } catch (RuntimeException e) {
      log.warn("member {}: sharing its topology: {}", me, e.toString(), e);
    }
  }

  private void later(Runnable task) {
    try {
      work.execute(task);
    } catch (RejectedExecutionException e) {
      log.debug("member {}: stopping, skipping {}", me, task);
    }
  }
}
