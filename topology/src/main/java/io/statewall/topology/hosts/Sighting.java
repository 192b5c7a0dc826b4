package io.statewall.topology.hosts;

import com.google.common.primitives.Ints;
import com.google.common.primitives.Shorts;
import io.statewall.topology.Attachment;
import io.statewall.topology.OpenFlowPorts;
import java.util.Arrays;
import java.util.Optional;
import java.util.Set;
import org.projectfloodlight.openflow.types.IPAddress;
import org.projectfloodlight.openflow.types.IPv4Address;
import org.projectfloodlight.openflow.types.IPv6Address;
import org.projectfloodlight.openflow.types.MacAddress;

/**
 * A host seen sending a frame: its MAC, the address it used as sender (ARP sender, IPv4 or IPv6
 * source) if any, and the port it came in on.
 */
public record Sighting(MacAddress mac, IPAddress<?> address, Attachment at) {

  private static final int ETH_ARP = 0x0806;
  private static final int ETH_IPV4 = 0x0800;
  private static final int ETH_IPV6 = 0x86DD;
  /**
   * The VLAN TPIDs: a copy of netfilter's {@code VlanTags.TPIDS} (topology cannot depend on
   * netfilter); {@code SightingTpidAgreementTest} in the firewall module keeps the two equal.
   */
  public static final Set<Integer> TPIDS = Set.of(0x8100, 0x88A8, 0x9100, 0x9200, 0x9300);
  private static final int MAX_TAGS = 2;

  /**
   * Reads the sender of an Ethernet frame. Empty for frames no host sends (multicast or zero
   * source MAC) and for frames too short to read; never throws.
   */
  public static Optional<Sighting> of(Attachment at, byte[] frame) {
    if (frame == null || frame.length < 14) {
      return Optional.empty();
    }
    MacAddress src = MacAddress.of(Arrays.copyOfRange(frame, 6, 12));
    if (OpenFlowPorts.isGroup(src) || src.equals(MacAddress.NONE)) {
      return Optional.empty();
    }
    int off = 12;
    int type = u16(frame, off);
    for (int tags = 0; TPIDS.contains(type) && tags < MAX_TAGS && frame.length >= off + 6; tags++) {
      off += 4;
      type = u16(frame, off);
    }
    int l3 = off + 2;
    return Optional.of(new Sighting(src, senderAddress(frame, type, l3), at));
  }

  private static IPAddress<?> senderAddress(byte[] f, int type, int l3) {
    if (type == ETH_ARP && f.length >= l3 + 28 && u16(f, l3) == 1 && u16(f, l3 + 2) == ETH_IPV4
        && (f[l3 + 4] & 0xFF) == 6 && (f[l3 + 5] & 0xFF) == 4) {
      return usable(IPv4Address.of(u32(f, l3 + 14)));
    }
    if (type == ETH_IPV4 && f.length >= l3 + 20 && (f[l3] & 0xF0) == 0x40) {
      return usable(IPv4Address.of(u32(f, l3 + 12)));
    }
    if (type == ETH_IPV6 && f.length >= l3 + 40 && (f[l3] & 0xF0) == 0x60) {
      return usable(IPv6Address.of(Arrays.copyOfRange(f, l3 + 8, l3 + 24)));
    }
    return null;
  }

  private static IPAddress<?> usable(IPv4Address a) {
    // 0.0.0.0 is an ARP probe or DHCP client: no address yet
    return a.equals(IPv4Address.NONE) || a.isMulticast() || a.isBroadcast() ? null : a;
  }

  private static IPAddress<?> usable(IPv6Address a) {
    return a.equals(IPv6Address.NONE) || a.isMulticast() ? null : a;
  }

  // topology cannot depend on netfilter's Bytes: Guava's readers, as LldpCodec's ByteBuffer
  private static int u32(byte[] f, int off) {
    return Ints.fromBytes(f[off], f[off + 1], f[off + 2], f[off + 3]);
  }

  private static int u16(byte[] f, int off) {
    return Shorts.fromBytes(f[off], f[off + 1]) & 0xFFFF;
  }

  public Optional<IPAddress<?>> sender() {
    return Optional.ofNullable(address);
  }
}
