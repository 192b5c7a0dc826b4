package io.statewall.netfilter.packet;

/**
 * One parsed packet: the headers conntrack and the rules look at, plus the frame they came from.
 *
 * <p>Built by {@code PacketParser} from a packet-in, or by {@link Builder} in tests. Fields that do
 * not apply are -1 (ports, ICMP) or null (addresses on non-IP frames). A packet the parser could not
 * make sense of has {@code malformed != null}; conntrack gives it INVALID.
 *
 * @param frame the Ethernet frame as received (never mutated), or null for synthetic packets
 * @param srcMac source MAC in the low 48 bits
 * @param dstMac destination MAC in the low 48 bits
 * @param vlan the outer VLAN id, -1 when untagged
 * @param vlanTags how many VLAN tags precede the EtherType (any TPID of {@link VlanTags})
 * @param etherType the EtherType after any VLAN tags (PPPoE frames keep 0x8863/0x8864: their
 *     payload is not parsed as IP)
 * @param l3Offset offset in {@code frame} of what follows the EtherType (the IP header), -1 if
 *     unknown
 * @param ipVersion 4, 6, or 0 when not IP
 * @param src source address
 * @param dst destination address
 * @param protocol IP protocol (IPv6: the upper-layer protocol after extension headers)
 * @param ipLength the IP datagram's total length (what {@code -m length} sees)
 * @param ttl TTL or hop limit
 * @param fragment true for any fragment other than the first (offset != 0); no L4 header then
 * @param moreFragments true when the more-fragments flag is set: with {@code !fragment}, the first
 *     fragment of a datagram (its L4 header may be cut short; L4 lengths are not checked)
 * @param l4Offset offset of the L4 header in {@code frame}, -1 if none
 * @param srcPort TCP/UDP source port, -1 otherwise
 * @param dstPort TCP/UDP destination port, -1 otherwise
 * @param tcpFlags TCP flag bits (FIN=0x01 SYN=0x02 RST=0x04 PSH=0x08 ACK=0x10 URG=0x20 ECE=0x40
 *     CWR=0x80), -1 when not TCP
 * @param seq TCP sequence number (unsigned 32 bits), 0 when not TCP
 * @param ack TCP acknowledgement number (unsigned 32 bits), 0 when not TCP
 * @param window TCP window, 0 when not TCP
 * @param icmpType ICMP/ICMPv6 type, -1 otherwise
 * @param icmpCode ICMP/ICMPv6 code, -1 otherwise
 * @param icmpId ICMP echo/timestamp/info identifier, -1 otherwise
 * @param payloadOffset offset of the L4 payload in {@code frame}, -1 if none
 * @param payloadLength length of the L4 payload, 0 if none
 * @param malformed why the packet could not be parsed, null when it was
 */
public record Packet(
    byte[] frame,
    long srcMac,
    long dstMac,
    int vlan,
    int vlanTags,
    int etherType,
    int l3Offset,
    int ipVersion,
    IpAddress src,
    IpAddress dst,
    int protocol,
    int ipLength,
    int ttl,
    boolean fragment,
    boolean moreFragments,
    int l4Offset,
    int srcPort,
    int dstPort,
    int tcpFlags,
    long seq,
    long ack,
    int window,
    int icmpType,
    int icmpCode,
    int icmpId,
    int payloadOffset,
    int payloadLength,
    String malformed) {

  public static final int ETH_IPV4 = 0x0800;
  public static final int ETH_IPV6 = 0x86DD;
  public static final int ETH_ARP = 0x0806;
  public static final int ETH_VLAN = 0x8100;
  public static final int ETH_LLDP = 0x88CC;
  public static final int ETH_PPPOE_DISCOVERY = 0x8863;
  public static final int ETH_PPPOE_SESSION = 0x8864;

  public static final int PROTO_ICMP = 1;
  public static final int PROTO_TCP = 6;
  public static final int PROTO_UDP = 17;
  public static final int PROTO_ICMPV6 = 58;

  public static final int TCP_FIN = 0x01;
  public static final int TCP_SYN = 0x02;
  public static final int TCP_RST = 0x04;
  public static final int TCP_PSH = 0x08;
  public static final int TCP_ACK = 0x10;
  public static final int TCP_URG = 0x20;
  public static final int TCP_ECE = 0x40;
  public static final int TCP_CWR = 0x80;

  /**
   * For decoders that know neither the tag count nor the L3 offset nor fragment flags: untagged or
   * one tag, offset unknown (checksums are then not verifiable), no more-fragments flag.
   */
  public Packet(byte[] frame, long srcMac, long dstMac, int vlan, int etherType, int ipVersion,
      IpAddress src, IpAddress dst, int protocol, int ipLength, int ttl, boolean fragment,
      int l4Offset, int srcPort, int dstPort, int tcpFlags, long seq, long ack, int window,
      int icmpType, int icmpCode, int icmpId, int payloadOffset, int payloadLength,
      String malformed) {
    this(frame, srcMac, dstMac, vlan, vlan >= 0 ? 1 : 0, etherType, -1, ipVersion, src, dst,
        protocol, ipLength, ttl, fragment, false, l4Offset, srcPort, dstPort, tcpFlags, seq, ack,
        window, icmpType, icmpCode, icmpId, payloadOffset, payloadLength, malformed);
  }

  public boolean isIp() {
    return ipVersion != 0;
  }

  /** Any fragment of a fragmented datagram, the first included: only its reassembly is judged. */
  public boolean isFragmented() {
    return fragment || moreFragments;
  }

  /** PPPoE discovery or session: not IP to a host's stack, whatever the session carries. */
  public boolean isPppoe() {
    return etherType == ETH_PPPOE_DISCOVERY || etherType == ETH_PPPOE_SESSION;
  }

  public boolean isTcp() {
    return isIp() && protocol == PROTO_TCP;
  }

  public boolean isUdp() {
    return isIp() && protocol == PROTO_UDP;
  }

  public boolean isIcmp() {
    return isIp() && (protocol == PROTO_ICMP || protocol == PROTO_ICMPV6);
  }

  public boolean hasTcpFlag(int flag) {
    return tcpFlags >= 0 && (tcpFlags & flag) != 0;
  }

  public static Builder builder() {
    return new Builder();
  }

  /** Builds synthetic packets (no frame bytes unless given) for tests and for trace queries. */
  public static final class Builder {
    private byte[] frame;
    private long srcMac;
    private long dstMac;
    private int vlan = -1;
    private int etherType = ETH_IPV4;
    private int ipVersion = 4;
    private IpAddress src;
    private IpAddress dst;
    private int protocol = PROTO_TCP;
    private int ipLength = 60;
    private int ttl = 64;
    private boolean fragment;
    private int l4Offset = -1;
    private int srcPort = -1;
    private int dstPort = -1;
    private int tcpFlags = -1;
    private long seq;
    private long ack;
    private int window;
    private int icmpType = -1;
    private int icmpCode = -1;
    private int icmpId = -1;
    private int payloadOffset = -1;
    private int payloadLength;
    private String malformed;

    public Builder frame(byte[] v) { frame = v; return this; }
    public Builder srcMac(long v) { srcMac = v; return this; }
    public Builder dstMac(long v) { dstMac = v; return this; }
    public Builder vlan(int v) { vlan = v; return this; }
    public Builder etherType(int v) { etherType = v; return this; }
    public Builder ipLength(int v) { ipLength = v; return this; }
    public Builder ttl(int v) { ttl = v; return this; }
    public Builder fragment(boolean v) { fragment = v; return this; }
    public Builder l4Offset(int v) { l4Offset = v; return this; }
    public Builder seq(long v) { seq = v; return this; }
    public Builder ack(long v) { ack = v; return this; }
    public Builder window(int v) { window = v; return this; }
    public Builder icmpId(int v) { icmpId = v; return this; }
    public Builder payload(int offset, int length) { payloadOffset = offset; payloadLength = length; return this; }
    public Builder malformed(String v) { malformed = v; return this; }

    /** Sets both addresses; the IP version and EtherType follow from them. */
    public Builder addresses(IpAddress s, IpAddress d) {
      src = s;
      dst = d;
      ipVersion = s.isV6() ? 6 : 4;
      etherType = s.isV6() ? ETH_IPV6 : ETH_IPV4;
      return this;
    }

    public Builder addresses(String s, String d) {
      return addresses(IpAddress.parse(s), IpAddress.parse(d));
    }

    public Builder tcp(int sport, int dport, int flags) {
      protocol = PROTO_TCP;
      srcPort = sport;
      dstPort = dport;
      tcpFlags = flags;
      return this;
    }

    public Builder udp(int sport, int dport) {
      protocol = PROTO_UDP;
      srcPort = sport;
      dstPort = dport;
      tcpFlags = -1;
      return this;
    }

    public Builder icmp(int type, int code) {
      protocol = ipVersion == 6 ? PROTO_ICMPV6 : PROTO_ICMP;
      icmpType = type;
      icmpCode = code;
      srcPort = -1;
      dstPort = -1;
      tcpFlags = -1;
      return this;
    }

    public Builder protocol(int v) { protocol = v; return this; }

    public Packet build() {
      return new Packet(frame, srcMac, dstMac, vlan, vlan >= 0 ? 1 : 0, etherType, -1, ipVersion,
          src, dst, protocol, ipLength, ttl, fragment, false, l4Offset, srcPort, dstPort, tcpFlags,
          seq, ack, window, icmpType, icmpCode, icmpId, payloadOffset, payloadLength, malformed);
    }
  }
}
