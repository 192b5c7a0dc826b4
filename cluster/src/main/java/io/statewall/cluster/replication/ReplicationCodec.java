package io.statewall.cluster.replication;

import io.statewall.netfilter.conntrack.CtSnapshot;
import io.statewall.netfilter.conntrack.CtTuple;
import io.statewall.netfilter.packet.Bytes;
import io.statewall.netfilter.packet.Family;
import io.statewall.netfilter.packet.IpAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The replication messages in a compact binary form, big-endian through netfilter's {@link Bytes}:
 * a header ({@code "SR"}, version, kind), then a batch (owner, incarnation, sequence, send time, a flags
 * byte: bit 0 the reset, bit 1 the end of a reset's dump; changes)
 * or a resend request. A change is an op byte and a tuple (4 + 4 or 16 + 16 address bytes, protocol,
 * ports packed as conntrack packs them), then what the op needs; an IPv4 update is 42 bytes. Times of
 * changes go as milliseconds before the batch's send time (4 bytes each).
 */
public final class ReplicationCodec {
  static final int MAGIC = 0x5352;
  static final int VERSION = 1;
  static final int KIND_BATCH = 1;
  static final int KIND_RESEND = 2;
  private static final int OP_UPDATE = 1;
  private static final int OP_DESTROY = 2;
  private static final int OP_EXPECT = 3;
  /** An update with {@link Change.Update#afterHandover()} set; the same fields as {@link #OP_UPDATE}. */
  private static final int OP_UPDATE_AFTER_HANDOVER = 4;
  private static final int TCP = 6;
  private static final int UDP = 17;

  private ReplicationCodec() {}

  public static byte[] encode(Batch b) {
    Writer w = new Writer(32 + 48 * b.changes().size());
    header(w, KIND_BATCH);
    w.string(b.owner());
    w.u64(b.incarnation());
    w.u64(b.seq());
    w.u64(b.sentAtMillis());
    w.u8((b.reset() ? 1 : 0) | (b.resetEnd() ? 2 : 0));
    w.u32(b.changes().size());
    for (Change c : b.changes()) {
      long ago = Math.max(0, Math.min(0xFFFF_FFFFL, b.sentAtMillis() - c.atMillis()));
      if (c instanceof Change.Update u) {
        w.u8(u.afterHandover() ? OP_UPDATE_AFTER_HANDOVER : OP_UPDATE);
        tuple(w, u.ct().original());
        w.u8(u.ct().status());
        w.u8(u.ct().tcpState());
        w.u32(Math.min(0xFFFF_FFFFL, u.ct().remainingMillis()));
        w.u64(u.ingress());
        w.u64(u.cookie());
        w.string(u.ct().helper() == null ? "" : u.ct().helper());
      } else if (c instanceof Change.Destroy d) {
        w.u8(OP_DESTROY);
        tuple(w, d.original());
      } else {
        Change.Expect x = (Change.Expect) c;
        w.u8(OP_EXPECT);
        tuple(w, x.master());
        address(w, x.src());
        address(w, x.dst());
        w.u8(x.protocol());
        w.u16(x.dstPort());
        w.u32(Math.min(0xFFFF_FFFFL, x.remainingMillis()));
      }
      w.u32(ago);
    }
    return w.bytes();
  }

  public static byte[] encode(ResendRequest r) {
    Writer w = new Writer(64);
    header(w, KIND_RESEND);
    w.string(r.owner());
    w.string(r.requester());
    w.u64(r.from());
    w.u64(r.to());
    return w.bytes();
  }

  /** A {@link Batch} or a {@link ResendRequest}; throws {@link IllegalArgumentException} on anything else. */
  public static Object decode(byte[] buf, int off, int len) {
    Reader r = new Reader(buf, off, len);
    if (r.u16() != MAGIC) {
      throw new IllegalArgumentException("not a replication message");
    }
    int version = r.u8();
    if (version != VERSION) {
      throw new IllegalArgumentException("replication message version " + version + ", this member reads " + VERSION);
    }
    int kind = r.u8();
    if (kind == KIND_RESEND) {
      return new ResendRequest(r.string(), r.string(), r.u64(), r.u64());
    }
    if (kind != KIND_BATCH) {
      throw new IllegalArgumentException("unknown replication message kind " + kind);
    }
    String owner = r.string();
    long incarnation = r.u64();
    long seq = r.u64();
    long sentAt = r.u64();
    int flags = r.u8();
    boolean reset = (flags & 1) != 0;
    boolean resetEnd = (flags & 2) != 0;
    long n = r.u32();
    List<Change> changes = new ArrayList<>((int) Math.min(n, 4096));
    for (long i = 0; i < n; i++) {
      int op = r.u8();
      CtTuple t = tuple(r);
      Change c;
      if (op == OP_UPDATE || op == OP_UPDATE_AFTER_HANDOVER) {
        int status = r.u8();
        int tcpState = r.u8();
        long remaining = r.u32();
        long ingress = r.u64();
        long cookie = r.u64();
        String helper = r.string();
        CtSnapshot snap = new CtSnapshot(t, status, tcpState, remaining, helper.isEmpty() ? null : helper);
        c = new Change.Update(snap, ingress, cookie, sentAt - r.u32(), op == OP_UPDATE_AFTER_HANDOVER);
      } else if (op == OP_DESTROY) {
        c = new Change.Destroy(t, sentAt - r.u32());
      } else if (op == OP_EXPECT) {
        IpAddress src = address(r);
        IpAddress dst = address(r);
        int proto = r.u8();
        int port = r.u16();
        long remaining = r.u32();
        c = new Change.Expect(t, src, dst, proto, port, remaining, sentAt - r.u32());
      } else {
        throw new IllegalArgumentException("unknown change op " + op);
      }
      changes.add(c);
    }
    return new Batch(owner, incarnation, seq, sentAt, reset, resetEnd, changes);
  }

  private static void header(Writer w, int kind) {
    w.u16(MAGIC);
    w.u8(VERSION);
    w.u8(kind);
  }

  /** Flags (bit 0: IPv6), protocol, the two addresses, then ports as conntrack packs them. */
  private static void tuple(Writer w, CtTuple t) {
    w.u8(t.src().isV6() ? 1 : 0);
    w.u8(t.protocol());
    address(w, t.src());
    address(w, t.dst());
    w.u32(Replica.packedPorts(t) & 0xFFFF_FFFFL);
  }

  private static CtTuple tuple(Reader r) {
    Family family = (r.u8() & 1) != 0 ? Family.IPV6 : Family.IPV4;
    r.lastFamily = family;
    int proto = r.u8();
    IpAddress src = address(r);
    IpAddress dst = address(r);
    int ports = (int) r.u32();
    if (proto == family.icmpProtocol()) {
      return CtTuple.icmp(src, dst, proto, (ports >>> 8) & 0xFF, ports & 0xFF, ports >>> 16);
    }
    if (proto == TCP || proto == UDP) {
      return CtTuple.ports(src, dst, proto, ports >>> 16, ports & 0xFFFF);
    }
    return CtTuple.generic(src, dst, proto);
  }

  private static void address(Writer w, IpAddress a) {
    if (a.isV6()) {
      w.u64(a.hi());
      w.u64(a.lo());
    } else {
      w.u32(a.lo() & 0xFFFF_FFFFL);
    }
  }

  private static IpAddress address(Reader r) {
    // addresses outside a tuple follow the tuple's family: a v4 tuple's expectation has v4 addresses
    return r.lastFamily == Family.IPV6 ? IpAddress.v6(r.u64(), r.u64()) : IpAddress.v4((int) r.u32());
  }

  /** A growing big-endian buffer. */
  private static final class Writer {
    private byte[] buf;
    private int pos;

    Writer(int capacity) {
      buf = new byte[Math.max(16, capacity)];
    }

    private void room(int n) {
      if (pos + n > buf.length) {
        buf = Arrays.copyOf(buf, Math.max(buf.length * 2, pos + n));
      }
    }

    void u8(int v) {
      room(1);
      buf[pos++] = (byte) v;
    }

    void u16(int v) {
      room(2);
      Bytes.put16(buf, pos, v);
      pos += 2;
    }

    void u32(long v) {
      room(4);
      Bytes.put32(buf, pos, v);
      pos += 4;
    }

    void u64(long v) {
      room(8);
      Bytes.put64(buf, pos, v);
      pos += 8;
    }

    void string(String s) {
      byte[] b = s.getBytes(StandardCharsets.UTF_8);
      if (b.length > 255) {
        throw new IllegalArgumentException("name longer than 255 bytes: " + s);
      }
      u8(b.length);
      room(b.length);
      System.arraycopy(b, 0, buf, pos, b.length);
      pos += b.length;
    }

    byte[] bytes() {
      return Arrays.copyOf(buf, pos);
    }
  }

  /** Reads what {@link Writer} wrote; past the end throws, as an array does. */
  private static final class Reader {
    private final byte[] buf;
    private final int end;
    private int pos;
    Family lastFamily = Family.IPV4;

    Reader(byte[] buf, int off, int len) {
      this.buf = buf;
      this.pos = off;
      this.end = off + len;
    }

    private int take(int n) {
      if (pos + n > end) {
        throw new IllegalArgumentException("replication message truncated");
      }
      int at = pos;
      pos += n;
      return at;
    }

    int u8() {
      return Bytes.u8(buf, take(1));
    }

    int u16() {
      return Bytes.u16(buf, take(2));
    }

    long u32() {
      return Bytes.u32(buf, take(4));
    }

    long u64() {
      return Bytes.u64(buf, take(8));
    }

    String string() {
      int n = u8();
      return new String(buf, take(n), n, StandardCharsets.UTF_8);
    }
  }
}
