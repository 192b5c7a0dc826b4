package io.statewall.topology.share;

import io.statewall.topology.Attachment;
import io.statewall.topology.HalfLink;
import io.statewall.topology.Host;
import io.statewall.topology.OpenFlowPorts;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.Set;
import org.projectfloodlight.openflow.types.DatapathId;
import org.projectfloodlight.openflow.types.IPAddress;
import org.projectfloodlight.openflow.types.IPv4Address;
import org.projectfloodlight.openflow.types.IPv6Address;
import org.projectfloodlight.openflow.types.MacAddress;
import org.projectfloodlight.openflow.types.OFPort;

/**
 * The binary form of a {@link TopologyShare}: magic, version, then the half-links (two attachments
 * each: datapath id and port) and the hosts (MAC, attachment, addresses). A peer's bytes are checked
 * against every bound before anything is allocated: a malformed or hostile share is an
 * {@link IllegalArgumentException}, never a partial share or an out-of-memory.
 */
public final class TopologyShareCodec {
  /** "TS": tells a share from the other messages on a channel it shares. */
  public static final int MAGIC = 0x5453;
  static final int VERSION = 1;
  private static final int ATTACHMENT_BYTES = 8 + 4;

  private TopologyShareCodec() {}

  /** Whether {@code buf} starts with a share's magic (the channel's other messages have their own). */
  public static boolean isShare(byte[] buf, int off, int len) {
    return len >= 2 && ((buf[off] & 0xFF) << 8 | buf[off + 1] & 0xFF) == MAGIC;
  }

  public static byte[] encode(TopologyShare share) {
    int size = 2 + 1 + 4 + share.halves().size() * 2 * ATTACHMENT_BYTES + 4;
    for (Host h : share.hosts()) {
      size += 8 + ATTACHMENT_BYTES + 1 + h.addresses().size() * 17;
    }
    ByteBuffer b = ByteBuffer.allocate(size);
    b.putShort((short) MAGIC).put((byte) VERSION);
    b.putInt(share.halves().size());
    for (HalfLink h : share.halves()) {
      put(b, h.from());
      put(b, h.to());
    }
    b.putInt(share.hosts().size());
    for (Host h : share.hosts()) {
      b.putLong(h.mac().getLong());
      put(b, h.attachment());
      b.put((byte) h.addresses().size());
      for (IPAddress<?> a : h.addresses()) {
        byte[] raw = a.getBytes();
        b.put((byte) raw.length).put(raw);
      }
    }
    byte[] out = new byte[b.position()];
    b.flip().get(out);
    return out;
  }

  /** Reads a share; throws {@link IllegalArgumentException} saying what is wrong with a bad one. */
  public static TopologyShare decode(byte[] buf, int off, int len) {
    ByteBuffer b = ByteBuffer.wrap(buf, off, len);
    try {
      if ((b.getShort() & 0xFFFF) != MAGIC) {
        throw new IllegalArgumentException("not a topology share");
      }
      int version = b.get() & 0xFF;
      if (version != VERSION) {
        throw new IllegalArgumentException("topology share version " + version + ", this member reads " + VERSION);
      }
      int halves = count(b.getInt(), TopologyShare.MAX_HALVES, 2 * ATTACHMENT_BYTES, b, "half-links");
      Set<HalfLink> links = new HashSet<>();
      for (int i = 0; i < halves; i++) {
        links.add(new HalfLink(attachment(b), attachment(b)));
      }
      int hosts = count(b.getInt(), TopologyShare.MAX_HOSTS, 8 + ATTACHMENT_BYTES + 1, b, "hosts");
      Set<Host> seen = new HashSet<>();
      for (int i = 0; i < hosts; i++) {
        long mac = b.getLong();
        if (mac >>> 48 != 0) {
          throw new IllegalArgumentException("a MAC address of more than 48 bits: " + Long.toHexString(mac));
        }
        Attachment at = attachment(b);
        int n = b.get() & 0xFF;
        if (n > TopologyShare.MAX_ADDRESSES_PER_HOST) {
          throw new IllegalArgumentException(n + " addresses for one host, more than "
              + TopologyShare.MAX_ADDRESSES_PER_HOST);
        }
        Set<IPAddress<?>> addresses = new LinkedHashSet<>();
        for (int j = 0; j < n; j++) {
          addresses.add(address(b));
        }
        seen.add(new Host(MacAddress.of(mac), at, addresses));
      }
      if (b.hasRemaining()) {
        throw new IllegalArgumentException(b.remaining() + " bytes after the share");
      }
      return new TopologyShare(links, seen);
    } catch (BufferUnderflowException e) {
      throw new IllegalArgumentException("topology share cut short", e);
    }
  }

  private static int count(int n, int max, int minBytesEach, ByteBuffer b, String what) {
    if (n < 0 || n > max) {
      throw new IllegalArgumentException(Integer.toUnsignedString(n) + " " + what + ", more than " + max);
    }
    if ((long) n * minBytesEach > b.remaining()) {
      throw new IllegalArgumentException(n + " " + what + " claimed in " + b.remaining() + " bytes");
    }
    return n;
  }

  private static void put(ByteBuffer b, Attachment a) {
    b.putLong(a.sw().getLong()).putInt(a.port().getPortNumber());
  }

  private static Attachment attachment(ByteBuffer b) {
    long dpid = b.getLong();
    int port = b.getInt();
    // LOCAL, CONTROLLER and the other reserved ports are no link's end and no host's port
    if (!OpenFlowPorts.isPhysical(OFPort.of(port))) {
      throw new IllegalArgumentException("port " + Integer.toUnsignedString(port) + " is not a physical port");
    }
    return new Attachment(DatapathId.of(dpid), OFPort.of(port));
  }

  private static IPAddress<?> address(ByteBuffer b) {
    int n = b.get() & 0xFF;
    if (n != 4 && n != 16) {
      throw new IllegalArgumentException("an address of " + n + " bytes");
    }
    byte[] raw = new byte[n];
    b.get(raw);
    return n == 4 ? IPv4Address.of(raw) : IPv6Address.of(raw);
  }
}
