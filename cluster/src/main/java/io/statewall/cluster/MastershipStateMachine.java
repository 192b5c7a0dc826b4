package io.statewall.cluster;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CopyOnWriteArrayList;
import org.jgroups.raft.StateMachine;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The replicated state of the cluster, applied from the Raft log in the same order on every member: the
 * ready members and the switches each reaches, per datapath id the master and its epoch, and the policy
 * by content with its generation.
 *
 * <p>Mastership is spread by rendezvous hashing of the datapath id over the ready members that reach
 * it. A member's first Ready and a Rebalance place every datapath at its winner (a newcomer takes its
 * share); a Leave, or a member's changed switch set, moves only the datapaths whose master can no longer
 * hold them (sticky), so a flapping switch connection does not shuffle the rest. Every change of master
 * increments the datapath's epoch; epochs are kept for datapaths nobody reaches any more, so they never
 * go back.
 *
 * <p>Everything here is deterministic (no clock, no randomness, sorted iteration), as a state machine
 * must be. Reads from other threads see an immutable copy published after each command.
 */
public final class MastershipStateMachine implements StateMachine {
  private static final Logger LOG = LoggerFactory.getLogger(MastershipStateMachine.class);
  /** 2 added the placement, 3 the LLDP key; a version 1 or 2 snapshot (neither, or no key) still reads. */
  private static final int SNAPSHOT_VERSION = 3;

  // the state, touched only under the lock (apply and snapshots come from RAFT's thread, tests call directly)
  private final TreeMap<String, TreeSet<Long>> ready = new TreeMap<>();
  private final TreeMap<Long, Mastership> masters = new TreeMap<>();
  private PolicyContent policy;
  /** Null until committed: placed per switch. */
  private Placement placement;
  /** Null until committed: each member signs its probes with a key of its own until then. */
  private LldpKey lldpKey;

  private final List<ClusterListener> listeners = new CopyOnWriteArrayList<>();
  private volatile View view = View.EMPTY;

  /** An immutable copy of the committed state. */
  public record View(SortedMap<Long, Mastership> masters, SortedMap<String, Set<Long>> ready,
      Optional<PolicyContent> policy, Optional<Placement> placement, Optional<LldpKey> lldpKey) {
    static final View EMPTY = new View(Collections.emptySortedMap(), Collections.emptySortedMap(), Optional.empty(),
        Optional.empty(), Optional.empty());

    public Mastership mastership(long dpid) {
      return masters.getOrDefault(dpid, Mastership.NONE);
    }

    /**
     * The datapaths whose master is not the one a {@link ClusterCommand.Rebalance} would give them: the
     * placement a sticky change left (a switch stays with the first member that declared it, or with the
     * heir of a connection that dropped and came back). Empty when the placement is the hash placement.
     */
    public java.util.SortedSet<Long> offBalance() {
      TreeSet<Long> dpids = new TreeSet<>(masters.keySet());
      ready.values().forEach(dpids::addAll);
      boolean network = placement.filter(p -> p == Placement.NETWORK).isPresent();
      TreeSet<Long> off = new TreeSet<>();
      for (long dpid : dpids) {
        if (!hashWinner(dpid, ready, network).equals(mastership(dpid).master())) {
          off.add(dpid);
        }
      }
      return off;
    }

    /** The datapaths whose master is {@code member}. */
    public Set<Long> masteredBy(String member) {
      TreeSet<Long> mine = new TreeSet<>();
      masters.forEach((dpid, m) -> {
        if (m.isMaster(member)) {
          mine.add(dpid);
        }
      });
      return mine;
    }
  }

  public void addListener(ClusterListener listener) {
    listeners.add(Objects.requireNonNull(listener));
  }

  public void removeListener(ClusterListener listener) {
    listeners.remove(listener);
  }

  public View view() {
    return view;
  }

  @Override
  public byte[] apply(byte[] data, int offset, int length, boolean serializeResponse) throws Exception {
    ClusterCommand command = ClusterCommand.decode(data, offset, length);
    List<Change> changes = new ArrayList<>();
    PolicyContent committed = null;
    LldpKey keyCommitted = null;
    java.util.SortedSet<String> readyAfter = null;
    synchronized (this) {
      Set<String> readyBefore = Set.copyOf(ready.keySet());
      if (command instanceof ClusterCommand.Ready r && !r.joining() && !ready.containsKey(r.member())) {
        LOG.info("member {} is not ready (committed as left): ignoring its update of {} switches until it "
            + "declares itself ready again", r.member(), r.dpids().size());
      } else if (command instanceof ClusterCommand.Ready r) {
        TreeSet<Long> before = ready.put(r.member(), new TreeSet<>(r.dpids()));
        if (before == null) {
          LOG.info("member {} ready with {} switches: rebalancing", r.member(), r.dpids().size());
          place(knownDpids(), false, changes);
        } else {
          TreeSet<Long> affected = new TreeSet<>(before);
          affected.addAll(r.dpids());
          place(affected, true, changes);
        }
      } else if (command instanceof ClusterCommand.Leave l) {
        TreeSet<Long> before = ready.remove(l.member());
        if (before != null) {
          LOG.info("member {} left: moving its switches", l.member());
          place(knownDpids(), true, changes);
        }
      } else if (command instanceof ClusterCommand.Rebalance) {
        place(knownDpids(), false, changes);
      } else if (command instanceof ClusterCommand.SetPlacement p) {
        if (placement == null) {
          placement = p.placement();
          LOG.info("mastership placed {} from now on", placement.optionName());
          if (placement == Placement.NETWORK) { // per switch is how a cluster without a placement places already
            place(knownDpids(), false, changes);
          }
        }
      } else if (command instanceof ClusterCommand.SetLldpKey k) {
        if (lldpKey == null) {
          lldpKey = k.key();
          keyCommitted = lldpKey;
          LOG.info("the cluster's LLDP key is committed: every member signs its probes with it");
        }
      } else if (command instanceof ClusterCommand.RaiseEpoch r) {
        Mastership current = masters.getOrDefault(r.dpid(), Mastership.NONE);
        if (current.isMaster(r.member()) && current.epoch() == r.refusedEpoch()
            && epochAfter(current.epoch(), r.switchGeneration()) != current.epoch() + 1) {
          Mastership next = new Mastership(current.master(), epochAfter(current.epoch(), r.switchGeneration()));
          masters.put(r.dpid(), next);
          changes.add(new Change(r.dpid(), current, next));
          LOG.warn("switch {} has seen generation {}, past epoch {} of this cluster's log (members restarted "
              + "with empty logs, or another controller): {} stays master at epoch {}",
              Long.toHexString(r.dpid()), r.switchGeneration(), current.epoch(), r.member(), next.epoch());
        }
      } else if (command instanceof ClusterCommand.ApplyPolicy p) {
        if (!p.seed() || policy == null) {
          long generation = policy == null ? 1 : policy.generation() + 1;
          policy = new PolicyContent(generation, p.policyFile(), p.files());
          committed = policy;
        } else {
          LOG.info("a seed policy arrived after generation {}: the cluster keeps it", policy.generation());
        }
      }
      if (!readyBefore.equals(ready.keySet())) {
        readyAfter = Collections.unmodifiableSortedSet(new TreeSet<>(ready.keySet()));
      }
      publish();
    }
    notify(changes, committed, readyAfter, keyCommitted);
    if (command instanceof ClusterCommand.ApplyPolicy && serializeResponse) {
      PolicyContent now = committed != null ? committed : view.policy().orElse(null);
      return ByteBuffer.allocate(Long.BYTES).putLong(now == null ? 0 : now.generation()).array();
    }
    return null;
  }

  /** The generation in an ApplyPolicy's response. */
  static long generationOf(byte[] response) {
    return ByteBuffer.wrap(response).getLong();
  }

  @Override
  public void writeContentTo(DataOutput out) throws Exception {
    synchronized (this) {
      out.writeInt(SNAPSHOT_VERSION);
      out.writeInt(ready.size());
      for (var e : ready.entrySet()) {
        out.writeUTF(e.getKey());
        ClusterCommand.writeDpids(out, e.getValue());
      }
      out.writeInt(masters.size());
      for (var e : masters.entrySet()) {
        out.writeLong(e.getKey());
        Mastership m = e.getValue();
        out.writeBoolean(m.master().isPresent());
        if (m.master().isPresent()) {
          out.writeUTF(m.master().get());
        }
        out.writeLong(m.epoch());
      }
      out.writeBoolean(policy != null);
      if (policy != null) {
        out.writeLong(policy.generation());
        out.writeUTF(policy.policyFile());
        ClusterCommand.writeFiles(out, policy.filesUncopied());
      }
      out.writeUTF(placement == null ? "" : placement.name());
      out.writeBoolean(lldpKey != null);
      if (lldpKey != null) {
        out.write(lldpKey.bytes());
      }
    }
  }

  @Override
  public void readContentFrom(DataInput in) throws Exception {
    int version = in.readInt();
    if (version < 1 || version > SNAPSHOT_VERSION) {
      throw new IOException("snapshot version " + version + ", this member reads 1 to " + SNAPSHOT_VERSION);
    }
    TreeMap<String, TreeSet<Long>> newReady = new TreeMap<>();
    int members = in.readInt();
    for (int i = 0; i < members; i++) {
      newReady.put(in.readUTF(), new TreeSet<>(ClusterCommand.readDpids(in)));
    }
    TreeMap<Long, Mastership> newMasters = new TreeMap<>();
    int dpids = in.readInt();
    for (int i = 0; i < dpids; i++) {
      long dpid = in.readLong();
      Optional<String> master = in.readBoolean() ? Optional.of(in.readUTF()) : Optional.empty();
      newMasters.put(dpid, new Mastership(master, in.readLong()));
    }
    PolicyContent newPolicy = in.readBoolean()
        ? new PolicyContent(in.readLong(), in.readUTF(), ClusterCommand.readFiles(in)) : null;
    String placed = version >= 2 ? in.readUTF() : "";
    Placement newPlacement = placed.isEmpty() ? null : ClusterCommand.placementNamed(placed);
    LldpKey newKey = version >= 3 && in.readBoolean() ? ClusterCommand.readLldpKey(in) : null;

    List<Change> changes = new ArrayList<>();
    PolicyContent committed;
    LldpKey keyCommitted;
    java.util.SortedSet<String> readyAfter;
    synchronized (this) {
      TreeSet<Long> all = new TreeSet<>(masters.keySet());
      all.addAll(newMasters.keySet());
      for (long dpid : all) {
        Mastership before = masters.getOrDefault(dpid, Mastership.NONE);
        Mastership after = newMasters.getOrDefault(dpid, Mastership.NONE);
        if (!before.equals(after)) {
          changes.add(new Change(dpid, before, after));
        }
      }
      committed = Objects.equals(policy, newPolicy) ? null : newPolicy;
      readyAfter = ready.keySet().equals(newReady.keySet()) ? null
          : Collections.unmodifiableSortedSet(new TreeSet<>(newReady.keySet()));
      ready.clear();
      ready.putAll(newReady);
      masters.clear();
      masters.putAll(newMasters);
      policy = newPolicy;
      placement = newPlacement;
      keyCommitted = Objects.equals(lldpKey, newKey) ? null : newKey;
      lldpKey = newKey;
      publish();
    }
    LOG.info("installed a snapshot: {} ready members, {} switches, {}", newReady.size(), newMasters.size(),
        newPolicy == null ? "no policy" : newPolicy);
    notify(changes, committed, readyAfter, keyCommitted);
  }

  private record Change(long dpid, Mastership before, Mastership after) {}

  private TreeSet<Long> knownDpids() {
    TreeSet<Long> all = new TreeSet<>(masters.keySet());
    ready.values().forEach(all::addAll);
    return all;
  }

  /**
   * Gives each datapath its master: sticky keeps a master that still reaches the switch, otherwise the
   * rendezvous winner among the ready members that reach it (none if nobody does).
   */
  /**
   * The epoch after {@code epoch} that a switch which has seen {@code switchGeneration} takes: OpenFlow
   * compares generation ids by their signed distance (1.3, section 6.3.7), so the switch's plus one where
   * that is past {@code epoch + 1}. Epochs are not negative: a switch at {@code Long.MAX_VALUE} (no
   * non-negative id is newer) gets {@code epoch + 1}, and keeps refusing.
   */
  static long epochAfter(long epoch, long switchGeneration) {
    long next = epoch + 1;
    long past = switchGeneration + 1;
    return past > 0 && past - next > 0 ? past : next;
  }

  /**
   * The rendezvous winner for {@code dpid} among the ready members that reach it; with one network, every
   * switch weighs the members as datapath 0 does, so one member wins them all.
   */
  static Optional<String> hashWinner(long dpid, SortedMap<String, ? extends Set<Long>> ready, boolean network) {
    List<String> candidates = new ArrayList<>();
    ready.forEach((member, reached) -> {
      if (reached.contains(dpid)) {
        candidates.add(member);
      }
    });
    return Rendezvous.winner(network ? 0 : dpid, candidates);
  }

  private void place(Set<Long> dpids, boolean sticky, List<Change> changes) {
    for (long dpid : dpids) {
      Mastership current = masters.getOrDefault(dpid, Mastership.NONE);
      // nothing is sticky in one network, or a switch reaching some member first would keep it as its master
      boolean network = placement == Placement.NETWORK;
      Optional<String> target = !network && sticky && current.master().isPresent()
          && ready.containsKey(current.master().get()) && ready.get(current.master().get()).contains(dpid)
          ? current.master()
          : hashWinner(dpid, ready, network);
      if (!target.equals(current.master())) {
        Mastership next = new Mastership(target, current.epoch() + 1);
        masters.put(dpid, next);
        changes.add(new Change(dpid, current, next));
      }
    }
  }

  private void publish() {
    TreeMap<String, Set<Long>> readyCopy = new TreeMap<>();
    ready.forEach((member, dpids) -> readyCopy.put(member, Collections.unmodifiableSet(new TreeSet<>(dpids))));
    view = new View(Collections.unmodifiableSortedMap(new TreeMap<>(masters)),
        Collections.unmodifiableSortedMap(readyCopy), Optional.ofNullable(policy), Optional.ofNullable(placement),
        Optional.ofNullable(lldpKey));
  }

  private void notify(List<Change> changes, PolicyContent committed, java.util.SortedSet<String> readyAfter,
      LldpKey keyCommitted) {
    // per previous master, the lowest datapath this command moved away from it
    Map<String, Long> firstFrom = new HashMap<>();
    for (Change c : changes) {
      c.before().master().filter(m -> !c.after().isMaster(m))
          .ifPresent(m -> firstFrom.merge(m, c.dpid(), (x, y) -> Long.compareUnsigned(x, y) <= 0 ? x : y));
    }
    for (ClusterListener listener : listeners) {
      try {
        if (readyAfter != null) {
          listener.readyMembersChanged(readyAfter);
        }
        for (Change c : changes) {
          boolean first = c.before().master().map(m -> firstFrom.get(m) != null && firstFrom.get(m) == c.dpid())
              .orElse(false);
          listener.mastershipChanged(c.dpid(), c.before(), c.after(), first);
        }
        if (committed != null) {
          listener.policyCommitted(committed);
        }
        if (keyCommitted != null) {
          listener.lldpKeyCommitted(keyCommitted);
        }
      } catch (RuntimeException e) {
        // a listener's bug must not stop the log being applied on this member
        LOG.error("cluster listener {} failed", listener, e);
      }
    }
  }
}
