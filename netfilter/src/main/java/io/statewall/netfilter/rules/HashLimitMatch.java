package io.statewall.netfilter.rules;

import io.statewall.netfilter.packet.Bytes;
import io.statewall.netfilter.packet.Family;
import io.statewall.netfilter.packet.IpAddress;
import io.statewall.netfilter.packet.Packet;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.function.LongSupplier;

/**
 * {@code -m hashlimit} (revision 3): xt_hashlimit's token buckets, one per key (the masked addresses
 * and ports its mode names), in a named table shared by every rule of the rule set naming it, as the
 * kernel shares one per network namespace. The arithmetic is the kernel's (credits per jiffy at
 * HZ=250, which gives the same credits per second as any HZ); the table is bounded by
 * {@code --hashlimit-htable-max} (or the kernel's default, 8 times the default 8,192 buckets) and
 * idle entries leave it after {@code --hashlimit-htable-expire}, collected every
 * {@code --hashlimit-htable-gcinterval}.
 */
public record HashLimitMatch(Config cfg, String name, Family family, Table table) implements Match {
  static final int SRC_IP = 1;
  static final int SRC_PORT = 2;
  static final int DST_IP = 4;
  static final int DST_PORT = 8;
  static final int INVERT = 0x10;
  static final int BYTES = 0x20;
  static final int RATE_MATCH = 0x40;
  static final long SCALE = 1_000_000;
  static final int HZ = 250;
  /** CREDITS_PER_JIFFY (POW2_BELOW64 of 2^64 / (HZ * 86400)) and its byte-mode counterpart. */
  static final long CPJ = 1L << 39;
  static final long CPJ_BYTES = 1L << 24;
  static final int BYTE_SHIFT = 4;
  static final long U32 = 0xFFFF_FFFFL;

  /**
   * The rule's configuration as the kernel holds it (hashlimit_cfg3): {@code avg} is microseconds per
   * packet, or a byte cost in byte mode; times in milliseconds; {@code interval} in seconds.
   */
  public record Config(int mode, long avg, long burst, long size, long max, long gcInterval, long expire,
      int srcMask, int dstMask, long interval) {}

  @Override
  public boolean test(Packet p, ConnInfo ct) {
    return table.test(cfg, key(p), p.ipLength());
  }

  /** hashlimit_init_dst: the masked addresses and the ports the mode names. */
  private Key key(Packet p) {
    int m = cfg.mode;
    IpAddress s = (m & SRC_IP) != 0 ? mask(p.src(), cfg.srcMask) : null;
    IpAddress d = (m & DST_IP) != 0 ? mask(p.dst(), cfg.dstMask) : null;
    int sp = 0;
    int dp = 0;
    if ((m & (SRC_PORT | DST_PORT)) != 0 && hasPorts(p.protocol())) {
      byte[] b = p.frame();
      int off = p.l4Offset();
      if (p.srcPort() >= 0) {
        sp = p.srcPort();
        dp = p.dstPort();
      } else if (b != null && off >= 0 && off + 4 <= b.length) {
        sp = Bytes.u16(b, off);
        dp = Bytes.u16(b, off + 2);
      }
    }
    return new Key(s, d, (m & SRC_PORT) != 0 ? sp : 0, (m & DST_PORT) != 0 ? dp : 0);
  }

  /** proto_ports_offset: the protocols whose first 4 bytes are ports (or an SPI). */
  private static boolean hasPorts(int proto) {
    return proto == 6 || proto == 17 || proto == 136 || proto == 132 || proto == 33 || proto == 50;
  }

  private IpAddress mask(IpAddress a, int prefix) {
    if (a == null) {
      return null;
    }
    Cidr c = Cidr.of(a, prefix);
    return c.network();
  }

  @Override
  public boolean perPacket() {
    return true;
  }

  @Override
  public boolean stateful() {
    return true;
  }

  @Override
  public void save(StringBuilder sb) {
    int m = cfg.mode;
    sb.append(" -m hashlimit").append((m & INVERT) != 0 ? " --hashlimit-above" : " --hashlimit-upto");
    long quantum;
    if ((m & BYTES) != 0) {
      quantum = printBytes(sb);
    } else {
      quantum = printRate(sb, cfg.avg);
      sb.append(" --hashlimit-burst ").append(Long.toUnsignedString(cfg.burst));
    }
    if ((m & (SRC_IP | SRC_PORT | DST_IP | DST_PORT)) != 0) {
      sb.append(" --hashlimit-mode ");
      String sep = "";
      for (int bit : new int[] {SRC_IP, SRC_PORT, DST_IP, DST_PORT}) {
        if ((m & bit) != 0) {
          sb.append(sep).append(bit == SRC_IP ? "srcip" : bit == SRC_PORT ? "srcport" : bit == DST_IP ? "dstip" : "dstport");
          sep = ",";
        }
      }
    }
    sb.append(" --hashlimit-name ").append(name);
    if (cfg.size != 0) {
      sb.append(" --hashlimit-htable-size ").append(cfg.size);
    }
    if (cfg.max != 0) {
      sb.append(" --hashlimit-htable-max ").append(cfg.max);
    }
    if (cfg.gcInterval != 1000) {
      sb.append(" --hashlimit-htable-gcinterval ").append(cfg.gcInterval);
    }
    if (cfg.expire != quantum) {
      sb.append(" --hashlimit-htable-expire ").append(cfg.expire);
    }
    int full = family == Family.IPV4 ? 32 : 128;
    if (cfg.srcMask != full) {
      sb.append(" --hashlimit-srcmask ").append(cfg.srcMask);
    }
    if (cfg.dstMask != full) {
      sb.append(" --hashlimit-dstmask ").append(cfg.dstMask);
    }
    if ((m & RATE_MATCH) != 0) {
      sb.append(" --hashlimit-rate-match");
      if (cfg.interval != 1) {
        sb.append(" --hashlimit-rate-interval ").append(cfg.interval);
      }
    }
  }

  /** libxt_hashlimit's print_rate: the rate, and the default expire it implies (milliseconds). */
  static long printRate(StringBuilder sb, long period) {
    sb.append(' ').append(Rates.text(period, SCALE));
    return Rates.millis(Rates.unit(period, SCALE));
  }

  static long costToBytes(long cost) {
    long r = cost != 0 ? U32 / cost : U32;
    return (r - 1) << BYTE_SHIFT;
  }

  static long bytesToCost(long bytes) {
    long r = (bytes >>> BYTE_SHIFT) & U32;
    return U32 / (r + 1);
  }

  /** libxt_hashlimit's print_bytes, with the default expire it implies. */
  private long printBytes(StringBuilder sb) {
    String[] names = {"m", "k", ""};
    long[] thresh = {1024 * 1024, 1024, 1};
    long r = costToBytes(cfg.avg);
    int i;
    for (i = 0; i < names.length - 1; i++) {
      if (r >= thresh[i] && bytesToCost(r & ~(thresh[i] - 1)) == cfg.avg) {
        break;
      }
    }
    sb.append(' ').append(r / thresh[i]).append(names[i]).append("b/s");
    if (cfg.burst == 0) {
      return 15_000;
    }
    r *= cfg.burst;
    for (i = 0; i < names.length - 1; i++) {
      if (r >= thresh[i]) {
        break;
      }
    }
    sb.append(" --hashlimit-burst ").append(r / thresh[i]).append(names[i]).append('b');
    return 60_000;
  }

  /** The user2credits of revision 3: {@code user * (HZ * CPJ / SCALE)}, in u64 arithmetic. */
  static long credits(long user) {
    return user * (HZ * CPJ / SCALE);
  }

  static long creditsByte(long user) {
    return Long.divideUnsigned(user * HZ * CPJ_BYTES, 1L << 32) & U32;
  }

  /** A bucket's key: the masked addresses and the ports the mode names (null or 0 where it names none). */
  record Key(IpAddress src, IpAddress dst, int srcPort, int dstPort) {}

  /** One key's bucket (dsthash_ent's rateinfo). */
  private static final class Entry {
    long expires;
    long prev;
    long credit;
    long creditCap;
    long cost;
    long rate;
    long burst;
    long interval;
    long currentRate;
    boolean prevWindow;
  }

  /**
   * One named table (xt_hashlimit_htable): its configuration is the first rule's, as the kernel's is
   * the table creator's.
   */
  public static final class Table {
    private final LongSupplier nanoClock;
    private final Config creator;
    private final long maxEntries;
    private final Map<Key, Entry> entries = new HashMap<>();
    private long nextGc;

    Table(LongSupplier nanoClock, Config creator) {
      this.nanoClock = nanoClock;
      this.creator = creator;
      long size = creator.size != 0 ? creator.size : 8192;
      this.maxEntries = creator.max != 0 ? creator.max : 8 * size;
      this.nextGc = jiffies() + msToJiffies(creator.gcInterval);
    }

    private long jiffies() {
      return nanoClock.getAsLong() / (1_000_000_000L / HZ);
    }

    private static long msToJiffies(long ms) {
      return (ms * HZ + 999) / 1000;
    }

    /** How many keys the table holds; for tests. */
    public synchronized int size() {
      return entries.size();
    }

    /** hashlimit_mt_common for one packet of {@code len} bytes under the rule's {@code cfg}. */
    synchronized boolean test(Config cfg, Key key, int len) {
      long now = jiffies();
      if (now - nextGc >= 0) {
        entries.values().removeIf(e -> now - e.expires >= 0);
        nextGc = now + msToJiffies(creator.gcInterval);
      }
      boolean invert = (cfg.mode & INVERT) != 0;
      Entry e = entries.get(key);
      if (e == null) {
        if (entries.size() >= maxEntries) {
          // the kernel drops the packet (hotdrop): here the match answers "over the limit"
          return invert;
        }
        e = new Entry();
        entries.put(key, e);
        e.expires = now + msToJiffies(creator.expire);
        init(e, now);
      } else {
        e.expires = now + msToJiffies(creator.expire);
        recalc(e, now);
      }
      int mode = creator.mode;
      if ((cfg.mode & RATE_MATCH) != 0) {
        e.currentRate += (mode & BYTES) != 0 ? len : 1;
        return !e.prevWindow && Long.compareUnsigned(e.currentRate, e.burst) <= 0 ? !invert : invert;
      }
      long cost = (mode & BYTES) != 0 ? byteCost(e, len) : e.cost;
      if (Long.compareUnsigned(e.credit, cost) >= 0) {
        e.credit -= cost;
        return !invert;
      }
      return invert;
    }

    private void init(Entry e, long now) {
      Config c = creator;
      e.prev = now;
      if ((c.mode & RATE_MATCH) != 0) {
        if ((c.mode & BYTES) != 0) {
          e.rate = costToBytes(c.avg & U32);
          e.burst = c.burst != 0 ? c.burst * e.rate : e.rate;
        } else {
          e.rate = Long.divideUnsigned(SCALE, c.avg);
          e.burst = c.burst + e.rate;
        }
        e.interval = c.interval;
      } else if ((c.mode & BYTES) != 0) {
        e.credit = CPJ_BYTES * HZ;
        e.cost = creditsByte(c.avg);
        e.creditCap = c.burst;
      } else {
        e.credit = credits(c.avg * c.burst);
        e.cost = credits(c.avg);
        e.creditCap = e.credit;
      }
    }

    private void recalc(Entry e, long now) {
      long delta = now - e.prev;
      if (delta == 0) {
        return;
      }
      int mode = creator.mode;
      if ((mode & RATE_MATCH) != 0) {
        long interval = e.interval * HZ;
        if (delta < interval) {
          return;
        }
        e.prev = now;
        e.prevWindow = Long.compareUnsigned(e.currentRate * interval, delta * e.rate) > 0;
        e.currentRate = 0;
        return;
      }
      e.prev = now;
      long cap;
      if ((mode & BYTES) != 0) {
        cap = CPJ_BYTES * HZ;
        e.credit = delta > cap / CPJ_BYTES ? cap : e.credit + CPJ_BYTES * delta;
      } else {
        cap = e.creditCap;
        // an idle bucket refills to its cap (the kernel's u64 product would wrap after ~37 h idle)
        e.credit = Long.compareUnsigned(delta, Long.divideUnsigned(cap, CPJ) + 1) > 0 ? cap : e.credit + delta * CPJ;
      }
      if (Long.compareUnsigned(e.credit, cap) > 0) {
        e.credit = cap;
      }
    }

    /** hashlimit_byte_cost: the packet's 16-byte chunks, a refill taken from the burst when short. */
    private static long byteCost(Entry e, int len) {
      long cap = CPJ_BYTES * HZ;
      long tmp = ((len >>> BYTE_SHIFT) + 1L) * e.cost;
      if (tmp > cap) {
        tmp = cap;
      }
      if (e.credit < tmp && e.creditCap != 0) {
        e.creditCap--;
        e.credit = cap;
      }
      return tmp & U32;
    }
  }

  /** The named tables of one rule set, per family (htable_find_get by name and family). */
  public static final class Tables {
    private final LongSupplier nanoClock;
    private final Map<String, Table> byName = new HashMap<>();

    Tables(LongSupplier nanoClock) {
      this.nanoClock = nanoClock;
    }

    synchronized Table table(String name, Family family, Config cfg) {
      return byName.computeIfAbsent(family + "/" + name, n -> new Table(nanoClock, Objects.requireNonNull(cfg)));
    }

    /** The table named {@code name} of {@code family}, or null; for tests. */
    public synchronized Table get(String name, Family family) {
      return byName.get(family + "/" + name);
    }
  }
}
