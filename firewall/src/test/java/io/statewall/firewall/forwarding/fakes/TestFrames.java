package io.statewall.firewall.forwarding.fakes;

import java.nio.ByteBuffer;
import org.projectfloodlight.openflow.types.IPAddress;
import org.projectfloodlight.openflow.types.IPv4Address;
import org.projectfloodlight.openflow.types.IPv6Address;
import org.projectfloodlight.openflow.types.MacAddress;

/** Well-formed frames for forwarding tests (checksums other than ND's are left zero). */
public final class TestFrames {

  private TestFrames() {}

  public static MacAddress mac(int host) {
    return MacAddress.of(host);
  }

  public static IPv4Address ip(int host) {
    return IPv4Address.of("10.0.0." + host);
  }

  public static IPv6Address ip6(int host) {
    return IPv6Address.of("2001:db8::" + Integer.toHexString(host));
  }

  public static byte[] tcp(int from, int to, int sport, int dport) {
    return ipv4(from, to, 6, l4Ports(sport, dport, 20, 0x02));
  }

  /** A SYN from host {@code from}'s MAC with a forged source address (a spoofed-source flood). */
  public static byte[] spoofedSyn(int from, int to, IPv4Address src, int sport, int dport) {
    return ipv4(mac(from), mac(to), src, ip(to), 6, l4Ports(sport, dport, 20, 0x02), 0);
  }

  public static byte[] udp(int from, int to, int sport, int dport) {
    return ipv4(from, to, 17, l4Ports(sport, dport, 8, -1));
  }

  public static byte[] icmp(int from, int to, int type, int code) {
    return ipv4(from, to, 1, ByteBuffer.allocate(8).put((byte) type).put((byte) code)
        .putShort((short) 0).putShort((short) 77).putShort((short) 1).array());
  }

  public static byte[] tcp6(int from, int to, int sport, int dport) {
    return ipv6(mac(from), mac(to), ip6(from), ip6(to), 6, l4Ports(sport, dport, 20, 0x02));
  }

  public static byte[] icmp6(int from, int to, int type) {
    return ipv6(mac(from), mac(to), ip6(from), ip6(to), 58,
        ByteBuffer.allocate(8).put((byte) type).put((byte) 0).putShort((short) 0)
            .putShort((short) 77).putShort((short) 1).array());
  }

  /** A neighbour solicitation from {@code from} for {@code target}, to its solicited-node group. */
  public static byte[] solicitation(int from, IPv6Address src, IPv6Address target) {
    byte[] t = target.getBytes();
    IPv6Address group = IPv6Address.of(String.format("ff02::1:ff%02x:%02x%02x", t[13] & 0xFF,
        t[14] & 0xFF, t[15] & 0xFF));
    MacAddress groupMac = MacAddress.of(String.format("33:33:ff:%02x:%02x:%02x", t[13] & 0xFF,
        t[14] & 0xFF, t[15] & 0xFF));
    ByteBuffer icmp = ByteBuffer.allocate(32).put((byte) 135).put((byte) 0).putShort((short) 0)
        .putInt(0).put(t).put((byte) 1).put((byte) 1).put(mac(from).getBytes());
    return ipv6(mac(from), groupMac, src, group, 58, icmp.array());
  }

  /** An unsolicited neighbour advertisement (override) from {@code from} for {@code target}, to all nodes. */
  public static byte[] advertisement(int from, IPv6Address src, IPv6Address target) {
    ByteBuffer icmp = ByteBuffer.allocate(32).put((byte) 136).put((byte) 0).putShort((short) 0)
        .putInt(0x2000_0000).put(target.getBytes()).put((byte) 2).put((byte) 1).put(mac(from).getBytes());
    return ipv6(mac(from), MacAddress.of("33:33:00:00:00:01"), src, IPv6Address.of("ff02::1"), 58, icmp.array());
  }

  public static byte[] arpRequest(int from, IPv4Address target) {
    return arp(1, mac(from), ip(from), MacAddress.BROADCAST, MacAddress.NONE, target);
  }

  public static byte[] arp(int op, MacAddress sha, IPv4Address spa, MacAddress ethDst,
      MacAddress tha, IPv4Address tpa) {
    ByteBuffer b = ByteBuffer.allocate(42);
    b.put(ethDst.getBytes()).put(sha.getBytes()).putShort((short) 0x0806);
    b.putShort((short) 1).putShort((short) 0x0800).put((byte) 6).put((byte) 4).putShort((short) op)
        .put(sha.getBytes()).put(spa.getBytes()).put(tha.getBytes()).put(tpa.getBytes());
    return b.array();
  }

  /** A broadcast frame that is not ARP or IP (EtherType 0x88b5, local experimental). */
  public static byte[] otherBroadcast(int from) {
    ByteBuffer b = ByteBuffer.allocate(60);
    b.put(MacAddress.BROADCAST.getBytes()).put(mac(from).getBytes()).putShort((short) 0x88B5);
    return b.array();
  }

  private static byte[] l4Ports(int sport, int dport, int len, int tcpFlags) {
    ByteBuffer b = ByteBuffer.allocate(len).putShort((short) sport).putShort((short) dport);
    if (tcpFlags >= 0) {
      b.putInt(1000).putInt(0).put((byte) 0x50).put((byte) tcpFlags).putShort((short) 65535);
    } else {
      b.putShort((short) len);
    }
    return b.array();
  }

  public static byte[] ipv4(int from, int to, int proto, byte[] l4) {
    return ipv4(mac(from), mac(to), ip(from), ip(to), proto, l4, 0);
  }

  public static byte[] ipv4(MacAddress smac, MacAddress dmac, IPv4Address src, IPv4Address dst,
      int proto, byte[] l4, int fragmentOffset) {
    ByteBuffer b = ByteBuffer.allocate(14 + 20 + l4.length);
    b.put(dmac.getBytes()).put(smac.getBytes()).putShort((short) 0x0800);
    b.put((byte) 0x45).put((byte) 0).putShort((short) (20 + l4.length)).putShort((short) 1)
        .putShort((short) fragmentOffset).put((byte) 64).put((byte) proto).putShort((short) 0)
        .put(src.getBytes()).put(dst.getBytes()).put(l4);
    return b.array();
  }

  public static byte[] ipv6(MacAddress smac, MacAddress dmac, IPAddress<?> src, IPAddress<?> dst,
      int next, byte[] l4) {
    ByteBuffer b = ByteBuffer.allocate(14 + 40 + l4.length);
    b.put(dmac.getBytes()).put(smac.getBytes()).putShort((short) 0x86DD);
    b.putInt(0x6000_0000).putShort((short) l4.length).put((byte) next).put((byte) 255)
        .put(src.getBytes()).put(dst.getBytes()).put(l4);
    return b.array();
  }
}
