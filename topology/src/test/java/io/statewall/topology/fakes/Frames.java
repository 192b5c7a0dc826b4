package io.statewall.topology.fakes;

import java.nio.ByteBuffer;
import org.projectfloodlight.openflow.types.IPv4Address;
import org.projectfloodlight.openflow.types.IPv6Address;
import org.projectfloodlight.openflow.types.MacAddress;

/** Minimal Ethernet frames for tests: only the header fields topology reads are meaningful. */
public final class Frames {

  private Frames() {}

  public static byte[] arpRequest(String srcMac, String srcIp, String targetIp) {
    ByteBuffer b = eth(MacAddress.BROADCAST, MacAddress.of(srcMac), 0x0806, 28);
    b.putShort((short) 1).putShort((short) 0x0800).put((byte) 6).put((byte) 4).putShort((short) 1)
        .put(MacAddress.of(srcMac).getBytes()).put(IPv4Address.of(srcIp).getBytes())
        .put(new byte[6]).put(IPv4Address.of(targetIp).getBytes());
    return b.array();
  }

  public static byte[] ipv4(String srcMac, String dstMac, String srcIp, String dstIp) {
    ByteBuffer b = eth(MacAddress.of(dstMac), MacAddress.of(srcMac), 0x0800, 20);
    b.put((byte) 0x45).put((byte) 0).putShort((short) 20).putInt(0).put((byte) 64).put((byte) 17)
        .putShort((short) 0).put(IPv4Address.of(srcIp).getBytes())
        .put(IPv4Address.of(dstIp).getBytes());
    return b.array();
  }

  public static byte[] ipv6(String srcMac, String dstMac, String srcIp, String dstIp) {
    ByteBuffer b = eth(MacAddress.of(dstMac), MacAddress.of(srcMac), 0x86DD, 40);
    b.putInt(0x6000_0000).putShort((short) 0).put((byte) 59).put((byte) 64)
        .put(IPv6Address.of(srcIp).getBytes()).put(IPv6Address.of(dstIp).getBytes());
    return b.array();
  }

  private static ByteBuffer eth(MacAddress dst, MacAddress src, int type, int payload) {
    ByteBuffer b = ByteBuffer.allocate(14 + payload);
    return b.put(dst.getBytes()).put(src.getBytes()).putShort((short) type);
  }
}
