package io.statewall.firewall.forwarding;

import io.statewall.netfilter.conntrack.CtDirection;
import io.statewall.netfilter.conntrack.CtEntry;
import io.statewall.topology.Attachment;
import io.statewall.topology.Path;
import java.util.EnumSet;
import java.util.Optional;
import org.projectfloodlight.openflow.types.MacAddress;
import org.projectfloodlight.openflow.types.U64;

/**
 * The one record of one offloaded connection, in {@link OffloadTable}: its cookie, its conntrack
 * entry (null when forwarding runs without conntrack), where its entries are (null while none are
 * in the switches), how many of those are still there, and per direction the counters of its
 * ingress entry when last read, so the next reading adds only what is new.
 *
 * <p>Hung on the conntrack entry too ({@link CtEntry#offload()}), so that a connection conntrack
 * lets go finds its record without a second map.
 *
 * <p>Where the entries are is held in its own fields, not as an {@link InstalledConnection} (40 bytes
 * and a boxed cookie more per connection): {@link #installed()} makes one when asked (reroutes,
 * reconciliation, the operator), which the packet path never does. Those fields change and are read
 * together under the record's monitor, so a reader never sees half a reroute.
 *
 * <p>Nor is the entries' match kept when conntrack's entry already says it: a tracked connection's
 * original tuple is its match's addresses, protocol, ports or ICMP type and code, so the record keeps
 * only the MACs and the VLAN beside it and {@link #installed()} puts the match together again (an
 * {@link ExactMatch} per connection was 56 bytes of a million connections each). A match that the
 * entry does not give back exactly (forwarding without conntrack, a record whose entry came later
 * or changed) is kept whole, so what is read is always what was written.
 */
public final class Offload {
  private static final byte ORIGINAL = 1;
  private static final byte REPLY = 2;

  private final long cookie;
  private volatile CtEntry entry;
  /** The match's MACs (shared instances) and VLAN (-1 untagged), for a match {@link #entry} gives. */
  private MacAddress ethSrc;
  private MacAddress ethDst;
  private short vlan;
  /**
   * The match written is the reverse of the one the entry gives (the connection was offloaded by a
   * packet of its reply direction, as when both sides' packets race its install).
   */
  private boolean reversed;
  /**
   * Where the entries lie, null while the switches carry none of them. Volatile so a walk can look
   * at it without the monitor (a link-down over a million records).
   */
  private volatile Path path;
  /** What nearly no record needs, null when none of it applies. */
  private Uncommon uncommon;
  private byte directions;
  /** Entries of {@link #installed} not yet reported gone; guarded by the table's bin lock. */
  int liveEntries;
  /** Ingress entry counters last read: ORIGINAL packets and bytes, REPLY packets and bytes. */
  private long packets0;
  private long bytes0;
  private long packets1;
  private long bytes1;

  /**
   * The original direction's match when the entry does not give it back, the attachments when they
   * are not the path's own ends; each null otherwise. One reference where three cost every record 12
   * bytes for what one in thousands uses.
   */
  private record Uncommon(ExactMatch match, Attachment src, Attachment dst) {
    static Uncommon of(ExactMatch match, Attachment src, Attachment dst) {
      return match == null && src == null && dst == null ? null : new Uncommon(match, src, dst);
    }
  }

  Offload(long cookie) {
    this.cookie = cookie;
  }

  public U64 cookie() {
    return U64.of(cookie);
  }

  long cookieValue() {
    return cookie;
  }

  /** The tracked connection, or null. */
  public CtEntry entry() {
    return entry;
  }

  /** Where its entries are (made on each call), or null while the switches carry none of them. */
  public synchronized InstalledConnection installed() {
    if (path == null) {
      return null;
    }
    EnumSet<CtDirection> dirs = EnumSet.noneOf(CtDirection.class);
    if ((directions & ORIGINAL) != 0) {
      dirs.add(CtDirection.ORIGINAL);
    }
    if ((directions & REPLY) != 0) {
      dirs.add(CtDirection.REPLY);
    }
    Uncommon u = uncommon;
    return new InstalledConnection(cookie(), match(),
        u == null || u.src() == null ? path.src() : u.src(),
        u == null || u.dst() == null ? path.dst() : u.dst(), dirs, path);
  }

  /**
   * The path its entries lie on, or null while the switches carry none of them; read without the
   * monitor, so it may be a moment old: a caller that acts on it reads {@link #installed} after.
   */
  Path path() {
    return path;
  }

  /** Whether the switches carry any of its entries. */
  synchronized boolean isInstalled() {
    return path != null;
  }

  /** Whether the match is kept whole (not given back by the entry); for the footprint's tests. */
  synchronized boolean keepsMatch() {
    return wholeMatch() != null;
  }

  private ExactMatch wholeMatch() {
    Uncommon u = uncommon;
    return u == null ? null : u.match();
  }

  private void wholeMatch(ExactMatch m) {
    Uncommon u = uncommon;
    uncommon = u == null ? Uncommon.of(m, null, null) : Uncommon.of(m, u.src(), u.dst());
  }

  synchronized void entry(CtEntry e) {
    if (e == entry) {
      return;
    }
    if (path != null && wholeMatch() == null) {
      wholeMatch(match()); // the old entry gave the match: keep it whole before that entry goes
    }
    entry = e;
    compactMatch();
  }

  private ExactMatch match() {
    ExactMatch m = wholeMatch();
    if (m != null) {
      return m;
    }
    ExactMatch original = ExactMatch.ofOriginal(entry, ethSrc, ethDst, vlan);
    return reversed ? original.reverse().orElseThrow() : original;
  }

  /** Drops the whole match when the entry gives it back exactly. */
  private void compactMatch() {
    CtEntry e = entry;
    ExactMatch m = wholeMatch();
    if (m == null || e == null) {
      return;
    }
    ExactMatch given = m;
    boolean rev = false;
    if (!m.isOriginalOf(e)) {
      // offloaded by its reply: the entry gives the reverse, if reversing gives this match back
      Optional<ExactMatch> r = m.reverse();
      if (r.isEmpty() || !r.get().isOriginalOf(e) || !r.get().reverse().equals(Optional.of(m))) {
        return;
      }
      given = r.get();
      rev = true;
    }
    ethSrc = given.ethSrc();
    ethDst = given.ethDst();
    vlan = (short) given.vlan();
    reversed = rev;
    wholeMatch(null);
  }

  /** Records where {@code c}'s entries are (its cookie is this record's); null: none are. */
  synchronized void installed(InstalledConnection c) {
    if (c == null) {
      uncommon = null;
      ethSrc = ethDst = null;
      path = null;
      directions = 0;
      return;
    }
    Path p = c.path();
    uncommon = Uncommon.of(c.original(), c.src().equals(p.src()) ? null : c.src(),
        c.dst().equals(p.dst()) ? null : c.dst());
    compactMatch();
    path = p;
    directions = (byte) ((c.directions().contains(CtDirection.ORIGINAL) ? ORIGINAL : 0)
        | (c.directions().contains(CtDirection.REPLY) ? REPLY : 0));
  }

  synchronized void resetCounters() {
    packets0 = bytes0 = packets1 = bytes1 = 0;
  }

  /**
   * Takes the ingress entry's current counters for {@code dir}; returns what they added since the
   * last reading as {packets, bytes}. Counters that went down belong to a new entry (a reroute, a
   * reinstall): all of them are new.
   */
  synchronized long[] advance(CtDirection dir, long packets, long bytes) {
    boolean original = dir == CtDirection.ORIGINAL;
    long dp = packets - (original ? packets0 : packets1);
    long db = bytes - (original ? bytes0 : bytes1);
    if (dp < 0 || db < 0) {
      dp = packets;
      db = bytes;
    }
    if (original) {
      packets0 = packets;
      bytes0 = bytes;
    } else {
      packets1 = packets;
      bytes1 = bytes;
    }
    return new long[] {dp, db};
  }
}
