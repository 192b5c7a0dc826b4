package io.statewall.cluster;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInput;
import java.io.DataInputStream;
import java.io.DataOutput;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/** What a member commits through the Raft log; each applies identically on every member. */
public sealed interface ClusterCommand {
  /** At most this many files in one policy, and bytes in one file: a bound on what one entry may hold. */
  int MAX_POLICY_FILES = 1_000;
  int MAX_FILE_BYTES = 16 * 1024 * 1024;

  /**
   * {@code member} is ready (its state is caught up) and reaches these switches; sent again whenever its
   * set changes. The first Ready of a member rebalances; later ones only fill datapaths left masterless.
   *
   * @param joining the member declares itself ready anew (first in this run, or after it applied its own
   *     Leave); false for an update of its switch set sent in the belief that it is still ready. An update
   *     from a member that is not ready (committed as left, which it has not applied yet: it was paused or
   *     cut off) is ignored: it must not place a member on state it has not applied (it would take switches
   *     over while it cannot act on them); the member, once it applies its Leave, sends a joining Ready.
   */
  record Ready(String member, Set<Long> dpids, boolean joining) implements ClusterCommand {
    public Ready {
      Objects.requireNonNull(member, "member");
      dpids = Set.copyOf(dpids);
    }

    /** A joining Ready (what a log written before the flag existed holds). */
    public Ready(String member, Set<Long> dpids) {
      this(member, dpids, true);
    }
  }

  /** {@code member} leaves (or was seen gone by the leader): its datapaths move to other ready members. */
  record Leave(String member) implements ClusterCommand {
    public Leave {
      Objects.requireNonNull(member, "member");
    }
  }

  /** Every datapath to its rendezvous winner among the ready members that reach it. */
  record Rebalance() implements ClusterCommand {}

  /**
   * A new policy by content; the state machine gives it the next generation. A {@code seed} is committed
   * only if the cluster has no policy yet when it is applied (a new leader's own file, which must not
   * replace a policy committed before it had applied it); otherwise it changes nothing.
   */
  record ApplyPolicy(String policyFile, Map<String, byte[]> files, boolean seed) implements ClusterCommand {
    public ApplyPolicy {
      Objects.requireNonNull(policyFile, "policyFile");
      files = Map.copyOf(files);
    }

    public ApplyPolicy(String policyFile, Map<String, byte[]> files) {
      this(policyFile, files, false);
    }
  }

  byte READY = 1;
  byte LEAVE = 2;
  byte REBALANCE = 3;
  byte APPLY_POLICY = 4;
  byte SEED_POLICY = 5;
  byte PLACEMENT = 6;
  byte LLDP_KEY = 7;
  byte RAISE_EPOCH = 8;

  /**
   * The switch {@code dpid} refused {@code member}'s MASTER request at {@code refusedEpoch} as stale, and
   * says it has seen generation {@code switchGeneration}: an earlier cluster (all members restarted with
   * empty logs) or another controller went further than this log. Applied only if {@code member} is still
   * the datapath's master at {@code refusedEpoch}; then its epoch moves past the switch's, so the same
   * master asks again and is taken. A member that is merely behind (paused) sends one for an epoch that is
   * no longer current, and nothing changes.
   */
  record RaiseEpoch(String member, long dpid, long refusedEpoch, long switchGeneration) implements ClusterCommand {
    public RaiseEpoch {
      Objects.requireNonNull(member, "member");
    }
  }

  /**
   * The cluster's LLDP signing key, taken only if the cluster has none yet (the first leader's), like
   * {@link SetPlacement}: every member signs and verifies probes with it from then on.
   */
  record SetLldpKey(LldpKey key) implements ClusterCommand {
    public SetLldpKey {
      Objects.requireNonNull(key, "key");
    }
  }

  /**
   * How mastership is placed, taken only if the cluster has none yet (the first leader's setting); a
   * cluster without one places per switch.
   */
  record SetPlacement(Placement placement) implements ClusterCommand {
    public SetPlacement {
      Objects.requireNonNull(placement, "placement");
    }
  }

  static byte[] encode(ClusterCommand command) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (DataOutputStream out = new DataOutputStream(bytes)) {
      // Java 17 has no pattern switch: the sealed set is small, an if-chain says it
      if (command instanceof Ready r) {
        out.writeByte(READY);
        out.writeUTF(r.member());
        writeDpids(out, r.dpids());
        out.writeBoolean(r.joining());
      } else if (command instanceof Leave l) {
        out.writeByte(LEAVE);
        out.writeUTF(l.member());
      } else if (command instanceof Rebalance) {
        out.writeByte(REBALANCE);
      } else if (command instanceof ApplyPolicy p) {
        out.writeByte(p.seed() ? SEED_POLICY : APPLY_POLICY);
        out.writeUTF(p.policyFile());
        writeFiles(out, p.files());
      } else if (command instanceof SetPlacement p) {
        out.writeByte(PLACEMENT);
        out.writeUTF(p.placement().name());
      } else if (command instanceof SetLldpKey k) {
        out.writeByte(LLDP_KEY);
        out.write(k.key().bytes());
      } else if (command instanceof RaiseEpoch r) {
        out.writeByte(RAISE_EPOCH);
        out.writeUTF(r.member());
        out.writeLong(r.dpid());
        out.writeLong(r.refusedEpoch());
        out.writeLong(r.switchGeneration());
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return bytes.toByteArray();
  }

  static ClusterCommand decode(byte[] data, int offset, int length) throws IOException {
    DataInputStream in = new DataInputStream(new ByteArrayInputStream(data, offset, length));
    byte type = in.readByte();
    return switch (type) {
      // an entry written before the flag existed ends after the switches: joining, as it then behaved
      case READY -> new Ready(in.readUTF(), readDpids(in), in.available() == 0 || in.readBoolean());
      case LEAVE -> new Leave(in.readUTF());
      case REBALANCE -> new Rebalance();
      case APPLY_POLICY -> new ApplyPolicy(in.readUTF(), readFiles(in));
      case SEED_POLICY -> new ApplyPolicy(in.readUTF(), readFiles(in), true);
      case PLACEMENT -> new SetPlacement(placementNamed(in.readUTF()));
      case LLDP_KEY -> new SetLldpKey(readLldpKey(in));
      case RAISE_EPOCH -> new RaiseEpoch(in.readUTF(), in.readLong(), in.readLong(), in.readLong());
      default -> throw new IOException("unknown cluster command type " + type);
    };
  }

  static LldpKey readLldpKey(DataInput in) throws IOException {
    byte[] key = new byte[LldpKey.LENGTH];
    in.readFully(key);
    return new LldpKey(key);
  }

  static Placement placementNamed(String name) throws IOException {
    try {
      return Placement.valueOf(name);
    } catch (IllegalArgumentException e) {
      throw new IOException("unknown placement " + name);
    }
  }

  static void writeDpids(DataOutput out, Set<Long> dpids) throws IOException {
    out.writeInt(dpids.size());
    for (long dpid : new TreeSet<>(dpids)) {
      out.writeLong(dpid);
    }
  }

  static Set<Long> readDpids(DataInput in) throws IOException {
    int n = in.readInt();
    if (n < 0 || n > 1_000_000) {
      throw new IOException("implausible datapath count " + n);
    }
    TreeSet<Long> dpids = new TreeSet<>();
    for (int i = 0; i < n; i++) {
      dpids.add(in.readLong());
    }
    return dpids;
  }

  static void writeFiles(DataOutput out, Map<String, byte[]> files) throws IOException {
    out.writeInt(files.size());
    for (var e : new TreeMap<>(files).entrySet()) {
      out.writeUTF(e.getKey());
      out.writeInt(e.getValue().length);
      out.write(e.getValue());
    }
  }

  static Map<String, byte[]> readFiles(DataInput in) throws IOException {
    int n = in.readInt();
    if (n < 0 || n > MAX_POLICY_FILES) {
      throw new IOException("implausible policy file count " + n);
    }
    TreeMap<String, byte[]> files = new TreeMap<>();
    for (int i = 0; i < n; i++) {
      String name = in.readUTF();
      int size = in.readInt();
      if (size < 0 || size > MAX_FILE_BYTES) {
        throw new IOException("implausible size " + size + " of policy file " + name);
      }
      byte[] bytes = new byte[size];
      in.readFully(bytes);
      files.put(name, bytes);
    }
    return files;
  }
}
