package io.statewall.netfilter.conntrack;

import io.statewall.netfilter.packet.Checksums;
import io.statewall.netfilter.packet.Family;
import io.statewall.netfilter.packet.IpAddress;
import io.statewall.netfilter.packet.Packet;
import io.statewall.netfilter.packet.PacketParser;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * The in-memory {@link ConnTracker}: the {@link CtTable} of connections (lock-striped shards,
 * expiry sweep, early drop), a protocol tracker per IP protocol ({@link L4Tracker}), the
 * expectations and helpers, and the one place connections are reported gone
 * ({@link #afterRemoval}, to the {@link CtRemovalListener}s).
 *
 * <p>Expiry costs nothing per packet: an expired entry is unlinked when a lookup meets it, and
 * {@link #collectExpired} sweeps a bounded number of buckets per call for the rest.
 */
public final class ShardedConnTracker implements ConnTracker {

  private final CtConfig config;
  private final InstantSource clock;
  private final Map<String, ConnHelper> helpers;
  private final L4Tracker tcp;
  private final L4Tracker udp;
  private final L4Tracker icmp;
  private final L4Tracker generic;
  private final ExpectationTable expectations;
  private final PacketParser quoteParser = new PacketParser();
  private final CtTable table = new CtTable();
  private final AtomicInteger count = new AtomicInteger();
  private final List<CtRemovalListener> listeners = new CopyOnWriteArrayList<>();
  /** Null unless replication listens: then the packet path reads this one field and nothing more. */
  private volatile CtTransitionListener transitions;
  private volatile CtExpectationListener expected;

  private final LongAdder found = new LongAdder();
  private final LongAdder created = new LongAdder();
  private final LongAdder invalid = new LongAdder();
  private final LongAdder ignore = new LongAdder();
  private final LongAdder insertFailed = new LongAdder();
  private final LongAdder drop = new LongAdder();
  private final LongAdder earlyDrop = new LongAdder();
  private final LongAdder helperDrop = new LongAdder();
  private final LongAdder offloadedOutOfWindow = new LongAdder();

  /** Keeps the JIT from dropping classifyAll's warming reads; its value means nothing. */
  @SuppressWarnings("unused")
  private long prefetchSink;

  /**
   * @param config limits and switches
   * @param clock time source (tests pass a controllable one)
   * @param helpers helpers by name, attached when the raw table asks for them
   */
  public ShardedConnTracker(CtConfig config, InstantSource clock, Collection<ConnHelper> helpers) {
    this.config = config;
    this.clock = clock;
    Map<String, ConnHelper> byName = new java.util.HashMap<>();
    for (ConnHelper h : helpers) {
      byName.put(h.name(), h);
    }
    this.helpers = Map.copyOf(byName);
    this.tcp = new TcpTracker(config);
    this.udp = new UdpTracker(config.timeouts());
    this.icmp = new IcmpTracker(config.timeouts());
    this.generic = new GenericTracker(config.timeouts());
    this.expectations = new ExpectationTable(config.maxExpectations());
  }
  /** The limits and switches this table was made with. */
  public CtConfig config() {
    return config;
  }


  // ---------------------------------------------------------------------------------- classify

  @Override
  public CtLookup classify(Packet p, TrackOptions options) {
    if (p == null) {
      invalid.increment();
      return CtLookup.invalid(null, "no packet");
    }
    if (!p.isIp()) {
      return CtLookup.untracked(p, "not IP");
    }
    if (p.malformed() != null) {
      invalid.increment();
      return CtLookup.invalid(p, p.malformed());
    }
    if (options != null && options.notrack()) {
      return CtLookup.untracked(p, "NOTRACK");
    }
    if (p.isFragmented()) {
      // Linux reassembles before conntrack: callers pass fragments through the Defragmenter
      invalid.increment();
      return CtLookup.invalid(p, "fragment not reassembled");
    }
    String badSum = Checksums.verify(p);
    if (badSum != null) {
      invalid.increment();
      return CtLookup.invalid(p, badSum);
    }
    Family family = Family.of(p);
    int proto = p.protocol();
    if (p.isIcmp() && proto == family.icmpProtocol()) {
      int type = p.icmpType();
      if (family == Family.IPV6 && IcmpTracker.untrackedV6(type)) {
        return CtLookup.untracked(p, "ICMPv6 multicast listener message");
      }
      if (family == Family.IPV4 && IcmpTracker.unknownV4(type)) {
        invalid.increment();
        return CtLookup.invalid(p, "unknown ICMP type " + type);
      }
      if (IcmpTracker.isError(type, family)) {
        return icmpError(p, family);
      }
      if (IcmpTracker.inverseType(type, family) < 0 || p.icmpId() < 0) {
        invalid.increment();
        return CtLookup.invalid(p, "ICMP type " + type + " has no reply type");
      }
    } else if (proto == Packet.PROTO_TCP) {
      if (!TcpTracker.validFlags(p.tcpFlags())) {
        invalid.increment();
        return CtLookup.invalid(p, "invalid TCP flag combination 0x" + Integer.toHexString(p.tcpFlags()));
      }
    }
    CtKey k = CtKey.of(p);
    long now = clock.millis();
    for (int attempt = 0; attempt < 2; attempt++) {
      CtShard s = shardOf(k.hash);
      CtLookup result = null;
      CtEntry removed;
      RemovalReason removedWhy = RemovalReason.EXPIRED;
      synchronized (s) {
        CtEntry e = s.find(k, now);
        removed = s.takeExpired();
        if (e != null) {
          int dir = k.matchDir(e);
          CtState state = packetState(e, dir);
          int statusBefore = e.status;
          byte tcpBefore = e.tcpState;
          int res = track(e, p, dir, now);
          if (res == L4Tracker.REPEAT) {
            s.unlink(e);
            removed = e;
            removedWhy = RemovalReason.CLOSED;
          } else {
            found.increment();
            if (res == L4Tracker.INVALID) {
              invalid.increment();
              return CtLookup.invalid(p, "out of window or invalid in state " + stateName(e));
            }
            if (res == L4Tracker.OUT_OF_OFFLOADED_WINDOW) {
              invalid.increment();
              offloadedOutOfWindow.increment();
              return CtLookup.offloadedOutOfWindow(p);
            }
            if (res == L4Tracker.IGNORE) {
              ignore.increment();
            } else {
              account(e, dir, p);
            }
            if (dir == 1) {
              // nf_conntrack_in: every accepted reply, ignored by the TCP tracker or not
              e.status |= CtEntry.SEEN_REPLY;
            }
            CtTransitionListener t = transitions;
            if (t != null) {
              reportTransition(t, e, statusBefore, tcpBefore, 0);
            }
            if (res == L4Tracker.KILL) {
              s.unlink(e);
              removed = e;
              removedWhy = RemovalReason.CLOSED;
            }
            result = new CtLookup(p, state, dir == 0 ? CtDirection.ORIGINAL : CtDirection.REPLY,
                e, null, false, false, null);
          }
        }
      }
      if (removed != null) {
        afterRemoval(removed, removedWhy);
      }
      if (result != null) {
        return result;
      }
      if (removedWhy != RemovalReason.CLOSED) {
        break;
      }
      // A SYN reopening a closed connection: the old one is gone, track the packet as new.
    }
    return newConnection(p, k, options, now);
  }

  /**
   * First touches, without locks, the bucket and connection each packet will need, so that their
   * cache misses overlap instead of queueing behind each packet's lock; then classifies in order.
   * The racy reads only warm the caches: results are exactly those of sequential classify.
   */
  @Override
  public CtLookup[] classifyAll(Packet[] packets, TrackOptions[] options) {
    long sink = 0;
    for (Packet p : packets) {
      if (p == null || p.malformed() != null || p.isFragmented() || !(p.isTcp() || p.isUdp())) {
        continue;
      }
      CtKey k = CtKey.of(p);
      CtEntry[] t = shardOf(k.hash).table;
      CtEntry e = t[k.hash & (t.length - 1)];
      if (e != null) {
        sink += e.ports + e.v4 + e.end1 + e.lastWin;
      }
    }
    prefetchSink = sink;
    CtLookup[] out = new CtLookup[packets.length];
    for (int i = 0; i < packets.length; i++) {
      out[i] = classify(packets[i], options[i]);
    }
    return out;
  }

  private CtLookup newConnection(Packet p, CtKey k, TrackOptions options, long now) {
    CtEntry e = new CtEntry(k.sHi, k.sLo, k.dHi, k.dLo, k.ports, k.proto, k.family, k.hash);
    e.created(now);
    String refused = trackerFor(k.proto).refusesNew(e, p);
    if (refused != null) {
      invalid.increment();
      return CtLookup.invalid(p, refused);
    }
    int res = track(e, p, 0, now);
    if (res == L4Tracker.INVALID) {
      invalid.increment();
      return CtLookup.invalid(p, "invalid first packet");
    }
    account(e, 0, p);
    if (count.get() >= config.maxEntries() && !earlyDrop(k.hash, now)) {
      drop.increment();
      return CtLookup.tableFull(p);
    }
    Expectation exp = expectations.take(p, now);
    CtState state = CtState.NEW;
    if (exp != null) {
      e.status |= CtEntry.EXPECTED;
      e.extra().master = exp.master;
      state = CtState.RELATED;
    } else if (options != null && options.helper() != null) {
      ConnHelper h = helpers.get(options.helper());
      if (h != null) {
        e.extra().helper = h;
      }
    }
    return new CtLookup(p, state, CtDirection.ORIGINAL, e, null, false, true, exp);
  }

  /** Runs the protocol tracker; returns an {@link L4Tracker} result code. */
  private int track(CtEntry e, Packet p, int dir, long now) {
    return trackerFor(e.protocol()).packet(e, p, dir, now);
  }

  /** The tracker of IP protocol {@code proto}, as Linux's nf_ct_l4proto_find. */
  private L4Tracker trackerFor(int proto) {
    switch (proto) {
      case Packet.PROTO_TCP:
        return tcp;
      case Packet.PROTO_UDP:
        return udp;
      case Packet.PROTO_ICMP:
      case Packet.PROTO_ICMPV6:
        return icmp;
      default:
        return generic;
    }
  }

  private static void account(CtEntry e, int dir, Packet p) {
    if (dir == 0) {
      e.packets0++;
      e.bytes0 += p.ipLength();
    } else {
      e.packets1++;
      e.bytes1 += p.ipLength();
    }
  }

  /** Linux's ctinfo: REPLY is ESTABLISHED; ORIGINAL is ESTABLISHED once replied, else RELATED/NEW. */
  private static CtState packetState(CtEntry e, int dir) {
    if (dir == 1 || e.hasStatus(CtEntry.SEEN_REPLY)) {
      return CtState.ESTABLISHED;
    }
    return e.hasStatus(CtEntry.EXPECTED) ? CtState.RELATED : CtState.NEW;
  }

  /** An ICMP error is RELATED to the connection its quote belongs to, if sent to that endpoint. */
  private CtLookup icmpError(Packet p, Family family) {
    Packet inner = quoteParser.parseQuoted(p.frame(), p.payloadOffset(), p.payloadLength(), family);
    if (inner == null) {
      invalid.increment();
      return CtLookup.invalid(p, "ICMP error quotes no usable packet");
    }
    CtKey k = CtKey.inverseOf(inner);
    if (k == null) {
      invalid.increment();
      return CtLookup.invalid(p, "ICMP error quotes an untrackable packet");
    }
    long now = clock.millis();
    CtShard s = shardOf(k.hash);
    CtEntry removed;
    synchronized (s) {
      CtEntry e = s.find(k, now);
      if (e != null) {
        int dir = k.matchDir(e);
        // The found direction's destination is the quoted packet's source: the error must go there.
        if (!p.dst().equals(inner.src())) {
          invalid.increment();
          return CtLookup.invalid(p, "ICMP error to an address that is not the connection's endpoint");
        }
        return new CtLookup(p, CtState.RELATED, dir == 0 ? CtDirection.ORIGINAL : CtDirection.REPLY,
            e, null, false, false, null);
      }
      removed = s.takeExpired();
    }
    if (removed != null) {
      afterRemoval(removed, RemovalReason.EXPIRED);
    }
    invalid.increment();
    return CtLookup.invalid(p, "ICMP error quotes no tracked connection");
  }

  // ----------------------------------------------------------------------------------- confirm

  @Override
  public HelperVerdict confirm(CtLookup lookup) {
    CtEntry e = lookup.entry();
    if (e == null) {
      return HelperVerdict.ACCEPT;
    }
    long now = clock.millis();
    if (lookup.unconfirmed) {
      HelperVerdict v = insert(lookup, e, now);
      if (!v.accept()) {
        return v;
      }
    }
    CtExtra x = e.extra;
    if (x == null || x.helper == null) {
      return HelperVerdict.ACCEPT;
    }
    CtShard s = shardOf(e.hash());
    HelperVerdict v;
    Context ctx = new Context(e, now);
    synchronized (s) {
      v = x.helper.help(lookup.packet(), lookup.state(), lookup.direction(), ctx);
    }
    if (!v.accept()) {
      helperDrop.increment();
    }
    CtExpectationListener l = expected;
    if (l != null && ctx.made != null && v.accept()) {
      l.expected(ctx.made, ctx.made.expires - now); // before the verdict is acted on
    }
    return v;
  }

  private HelperVerdict insert(CtLookup lookup, CtEntry e, long now) {
    if (count.incrementAndGet() > config.maxEntries() && !earlyDrop(e.hash(), now)) {
      count.decrementAndGet();
      insertFailed.increment();
      return HelperVerdict.drop("conntrack table full");
    }
    CtShard s = shardOf(e.hash());
    CtEntry expired;
    synchronized (s) {
      CtKey k = CtKey.ofEntry(e);
      CtEntry clash = s.find(k, now);
      if (clash != null) {
        count.decrementAndGet();
        insertFailed.increment();
        if (e.proto == Packet.PROTO_UDP) {
          return HelperVerdict.ACCEPT; // Linux resolves UDP clashes onto the existing entry
        }
        return HelperVerdict.drop("connection inserted by another packet meanwhile");
      }
      e.status |= CtEntry.CONFIRMED;
      s.link(e);
      expired = s.takeExpired();
      CtTransitionListener t = transitions;
      if (t != null) {
        t.transition(e, CtTransitionListener.CREATED);
      }
    }
    CtEntry master = e.master();
    if (master != null) {
      master.extra().children.incrementAndGet();
    }
    created.increment();
    if (expired != null) {
      afterRemoval(expired, RemovalReason.EXPIRED);
    }
    return HelperVerdict.ACCEPT;
  }

  /** Linux's early_drop ({@link CtTable#earlyDrop}): true if it made room. */
  private boolean earlyDrop(int hash, long now) {
    CtTable.Dropped d = table.earlyDrop(hash, now);
    for (CtEntry e : d.expired()) {
      afterRemoval(e, RemovalReason.EXPIRED);
    }
    for (CtEntry e : d.victims()) {
      earlyDrop.increment();
      afterRemoval(e, RemovalReason.EARLY_DROP);
    }
    return d.any();
  }

  // ------------------------------------------------------------------------------------ adopt

  @Override
  public Optional<CtEntry> adopt(CtTuple original) {
    CtKey k = CtKey.of(original);
    long now = clock.millis();
    CtShard s = shardOf(k.hash);
    synchronized (s) {
      CtEntry known = s.find(k, now);
      if (known != null) {
        return Optional.of(known);
      }
    }
    return insertConfirmed(k, s, now, e -> {
      e.status = CtEntry.SEEN_REPLY | CtEntry.ASSURED | CtEntry.CONFIRMED;
      L4Tracker t = trackerFor(k.proto);
      t.adopted(e);
      e.expires = now + t.timeout(e);
    });
  }

  /**
   * Creates, fills ({@code init}) and links a confirmed entry for {@code k} outside the packet path
   * (adoption, a replica's restore): within the table's bound (early drop), losing to a racing insert
   * of the same connection, reported CREATED as an insert is.
   */
  private Optional<CtEntry> insertConfirmed(CtKey k, CtShard s, long now, Consumer<CtEntry> init) {
    if (count.incrementAndGet() > config.maxEntries() && !earlyDrop(k.hash, now)) {
      count.decrementAndGet();
      insertFailed.increment();
      return Optional.empty();
    }
    CtEntry e = new CtEntry(k.sHi, k.sLo, k.dHi, k.dLo, k.ports, k.proto, k.family, k.hash);
    e.created(now);
    init.accept(e);
    CtEntry expired;
    synchronized (s) {
      CtEntry raced = s.find(k, now);
      if (raced != null) {
        count.decrementAndGet();
        return Optional.of(raced);
      }
      s.link(e);
      expired = s.takeExpired();
      CtTransitionListener tl = transitions;
      if (tl != null) {
        tl.transition(e, CtTransitionListener.CREATED);
      }
    }
    created.increment();
    if (expired != null) {
      afterRemoval(expired, RemovalReason.EXPIRED);
    }
    return Optional.of(e);
  }

  // ------------------------------------------------------------------------------ replication

  @Override
  public long remainingMillis(Expectation x) {
    return Math.max(0, x.expiresAtMillis() - clock.millis());
  }

  @Override
  public CtSnapshot snapshot(CtEntry e) {
    synchronized (shardOf(e.hash())) {
      return snapshotLocked(e, clock.millis());
    }
  }

  /** {@code e}'s replicable state, or null if it is dying or unconfirmed; caller holds its shard's lock. */
  private static CtSnapshot snapshotLocked(CtEntry e, long now) {
    if (e.hasStatus(CtEntry.DYING) || !e.hasStatus(CtEntry.CONFIRMED)) {
      return null;
    }
    return new CtSnapshot(e.tuple(CtDirection.ORIGINAL), e.status,
        e.proto == Packet.PROTO_TCP ? e.tcpState : 0, e.expires - now, e.helper());
  }

  @Override
  public CtSnapshot handOver(CtEntry e) {
    CtShard s = shardOf(e.hash());
    CtSnapshot snap;
    synchronized (s) {
      snap = snapshotLocked(e, clock.millis());
      if (snap == null || s.find(CtKey.of(snap.original()), Long.MIN_VALUE) != e) {
        return null;
      }
      s.unlink(e);
    }
    afterRemoval(e, RemovalReason.HANDED_OVER);
    return snap;
  }

  @Override
  public Optional<CtEntry> restore(CtSnapshot snap) {
    CtKey k = CtKey.of(snap.original());
    long now = clock.millis();
    CtShard s = shardOf(k.hash);
    synchronized (s) {
      CtEntry known = s.find(k, now);
      if (known != null) {
        int statusBefore = known.status;
        byte tcpBefore = known.tcpState;
        restoreInto(known, snap, now);
        CtTransitionListener t = transitions;
        if (t != null) {
          reportTransition(t, known, statusBefore, tcpBefore, 0);
        }
        return Optional.of(known);
      }
    }
    return insertConfirmed(k, s, now, e -> {
      trackerFor(k.proto).adopted(e); // TCP: windows unknown and be-liberal, as an offloaded connection
      restoreInto(e, snap, now);
    });
  }

  private void restoreInto(CtEntry e, CtSnapshot snap, long now) {
    e.status = (e.status & ~CtSnapshot.STATUS_BITS) | snap.status() | CtEntry.CONFIRMED;
    if (e.proto == Packet.PROTO_TCP) {
      e.tcpState = (byte) snap.tcpState();
    }
    e.expires = now + snap.remainingMillis();
    if (snap.helper() != null && e.helper() == null) {
      ConnHelper h = helpers.get(snap.helper());
      if (h != null) {
        e.extra().helper = h;
        e.extra().helperState = h.pickedUpState();
      }
    }
  }

  @Override
  public boolean restoreExpectation(CtEntry master, IpAddress src, IpAddress dst, int protocol, int dstPort,
      long remainingMillis) {
    long now = clock.millis();
    synchronized (shardOf(master.hash())) {
      if (master.hasStatus(CtEntry.DYING) || remainingMillis <= 0) {
        return false;
      }
      return expectations.create(new Expectation.ExpectKey(src, dst, protocol, dstPort), master, master.helper(),
          now + remainingMillis) == HelperContext.ExpectResult.CREATED;
    }
  }

  @Override
  public void setTransitionListener(CtTransitionListener listener) {
    transitions = listener;
  }

  @Override
  public void setExpectationListener(CtExpectationListener listener) {
    expected = listener;
  }

  /** Tells {@code t} what moved in {@code e} since {@code statusBefore}/{@code tcpBefore}; under e's lock. */
  private static void reportTransition(CtTransitionListener t, CtEntry e, int statusBefore, byte tcpBefore,
      int changes) {
    int gained = e.status & ~statusBefore;
    if ((gained & CtEntry.SEEN_REPLY) != 0) {
      changes |= CtTransitionListener.SEEN_REPLY;
    }
    if ((gained & CtEntry.ASSURED) != 0) {
      changes |= CtTransitionListener.ASSURED;
    }
    if (e.tcpState != tcpBefore && e.proto == Packet.PROTO_TCP) {
      changes |= CtTransitionListener.TCP_STATE;
    }
    if (changes != 0) {
      t.transition(e, changes);
    }
  }

  // ------------------------------------------------------------------------- maintenance & views

  @Override
  public void markOffloaded(CtEntry e) {
    if (e.protocol() != Packet.PROTO_TCP) {
      return;
    }
    synchronized (shardOf(e.hash())) {
      TcpTracker.markOffloaded(e);
    }
  }

  private static final long JIFFY_MILLIS = 4;

  @Override
  public long secondsLeft(CtEntry e) {
    if (!e.hasStatus(CtEntry.CONFIRMED)) {
      return 0;
    }
    // nf_ct_expires / HZ rounds down; within the jiffy (4 ms at HZ=250) of a refresh it is the full timeout
    return (Math.max(0, e.expiresAtMillis() - clock.millis()) + JIFFY_MILLIS) / 1000;
  }

  @Override
  public boolean counts(CtEntry e) {
    return e.hasStatus(CtEntry.CONFIRMED) && !e.hasStatus(CtEntry.DYING) && e.expiresAtMillis() > clock.millis()
        && !(e.protocol() == Packet.PROTO_TCP && (e.tcpState == TcpTracker.TIME_WAIT || e.tcpState == TcpTracker.CLOSE));
  }

  @Override
  public boolean whileLive(CtEntry e, java.util.function.BooleanSupplier action) {
    synchronized (shardOf(e.hash())) {
      return !e.hasStatus(CtEntry.DYING) && action.getAsBoolean();
    }
  }

  @Override
  public void touch(CtEntry e, long packets, long bytes, CtDirection direction) {
    long now = clock.millis();
    CtShard s = shardOf(e.hash());
    synchronized (s) {
      if (e.hasStatus(CtEntry.DYING)) {
        return;
      }
      if (direction == CtDirection.ORIGINAL) {
        e.packets0 += packets;
        e.bytes0 += bytes;
      } else {
        e.packets1 += packets;
        e.bytes1 += bytes;
      }
      int statusBefore = e.status;
      L4Tracker t = trackerFor(e.protocol());
      t.unseen(e, direction == CtDirection.ORIGINAL ? 0 : 1, packets, bytes, now);
      e.expires = now + t.timeout(e);
      CtTransitionListener tl = transitions;
      if (tl != null) {
        reportTransition(tl, e, statusBefore, e.tcpState, 0);
      }
    }
  }

  @Override
  public int collectExpired(int maxBuckets) {
    long now = clock.millis();
    int removed = expectations.expire(now);
    List<CtEntry> dead = table.sweepExpired(maxBuckets, now);
    for (CtEntry e : dead) {
      afterRemoval(e, RemovalReason.EXPIRED);
    }
    return removed + dead.size();
  }

  @Override
  public boolean tracks(CtTuple tuple) {
    CtKey k = CtKey.of(tuple);
    long now = clock.millis();
    CtShard s = shardOf(k.hash);
    synchronized (s) {
      CtEntry e = s.find(k, Long.MIN_VALUE);
      return e != null && e.expires - now > 0;
    }
  }

  @Override
  public int delete(CtTuple tuple) {
    CtKey k = CtKey.of(tuple);
    CtShard s = shardOf(k.hash);
    CtEntry e;
    synchronized (s) {
      e = s.find(k, Long.MIN_VALUE);
      if (e == null) {
        return 0;
      }
      s.unlink(e);
    }
    afterRemoval(e, RemovalReason.DELETED);
    return 1;
  }

  @Override
  public int flush() {
    List<CtEntry> all = table.walk(e -> true);
    expectations.clear();
    for (CtEntry e : all) {
      afterRemoval(e, RemovalReason.DELETED);
    }
    return all.size();
  }

  @Override
  public List<CtEntry> entries() {
    long now = clock.millis();
    List<CtEntry> out = new ArrayList<>();
    table.walk(e -> {
      if (e.expires - now > 0) {
        out.add(e);
      }
      return false;
    });
    return out;
  }

  @Override
  public String format(CtEntry entry) {
    return ConntrackFormat.entry(entry, clock.millis());
  }

  @Override
  public List<String> list() {
    long now = clock.millis();
    List<String> out = new ArrayList<>();
    table.walk(e -> {
      if (e.expires - now > 0) {
        out.add(ConntrackFormat.entry(e, now));
      }
      return false;
    });
    return out;
  }

  @Override
  public List<Expectation> expectations() {
    return expectations.list(clock.millis());
  }

  @Override
  public List<String> listExpectations() {
    long now = clock.millis();
    List<String> out = new ArrayList<>();
    for (Expectation x : expectations.list(now)) {
      out.add(ConntrackFormat.expectation(x, now));
    }
    return out;
  }

  @Override
  public CtStats stats() {
    return new CtStats(found.sum(), created.sum(), invalid.sum(), ignore.sum(), insertFailed.sum(),
        drop.sum(), earlyDrop.sum(), expectations.createdCount(), expectations.deletedCount(),
        helperDrop.sum(), count.get(), expectations.size(), offloadedOutOfWindow.sum());
  }

  @Override
  public void addRemovalListener(CtRemovalListener listener) {
    listeners.add(listener);
  }

  /** Called once per removed entry, outside shard locks. */
  private void afterRemoval(CtEntry e, RemovalReason why) {
    count.decrementAndGet();
    expectations.removeFor(e);
    CtEntry master = e.master();
    if (master != null) {
      master.extra().children.decrementAndGet();
    }
    for (CtRemovalListener l : listeners) {
      l.removed(e, why);
    }
  }

  private CtShard shardOf(int hash) {
    return table.shardOf(hash);
  }

  private static String stateName(CtEntry e) {
    return e.proto == Packet.PROTO_TCP ? TcpTracker.stateName(e.tcpState) : "-";
  }

  /** HelperContext for one packet of one connection; used under the connection's shard lock. */
  private final class Context implements HelperContext {
    private final CtEntry entry;
    private final long now;
    /** The expectation this packet's helper run created, for the {@link CtExpectationListener}. */
    private Expectation made;

    Context(CtEntry entry, long now) {
      this.entry = entry;
      this.now = now;
    }

    @Override
    public CtEntry entry() {
      return entry;
    }

    @Override
    public <T> T state(Class<T> type, Supplier<T> initial) {
      CtExtra x = entry.extra();
      if (!type.isInstance(x.helperState)) {
        x.helperState = initial.get();
      }
      return type.cast(x.helperState);
    }

    @Override
    public ExpectResult expect(IpAddress src, IpAddress dst, int protocol, int dstPort,
        long timeoutMillis) {
      if (entry.hasStatus(CtEntry.DYING)) {
        return ExpectResult.CREATED; // the master is gone: nothing to expect, nothing to drop
      }
      ExpectResult r = expectations.create(new Expectation.ExpectKey(src, dst, protocol, dstPort), entry,
          entry.helper(), now + timeoutMillis);
      if (r == ExpectResult.CREATED) {
        made = entry.extra().expectation;
      }
      return r;
    }
  }
}
