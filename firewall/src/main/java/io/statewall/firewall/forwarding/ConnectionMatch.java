package io.statewall.firewall.forwarding;

import com.google.common.hash.PrimitiveSink;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.statewall.netfilter.packet.Family;
import io.statewall.netfilter.packet.Packet;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import org.projectfloodlight.openflow.protocol.OFFactories;
import org.projectfloodlight.openflow.protocol.OFFactory;
import org.projectfloodlight.openflow.protocol.OFOxmList;
import org.projectfloodlight.openflow.protocol.OFVersion;
import org.projectfloodlight.openflow.protocol.match.Match;
import org.projectfloodlight.openflow.protocol.match.MatchField;
import org.projectfloodlight.openflow.protocol.oxm.OFOxm;
import org.projectfloodlight.openflow.protocol.oxm.OFOxms;
import org.projectfloodlight.openflow.types.EthType;
import org.projectfloodlight.openflow.types.ICMPv4Code;
import org.projectfloodlight.openflow.types.ICMPv4Type;
import org.projectfloodlight.openflow.types.IPv4Address;
import org.projectfloodlight.openflow.types.IPv6Address;
import org.projectfloodlight.openflow.types.IpProtocol;
import org.projectfloodlight.openflow.types.MacAddress;
import org.projectfloodlight.openflow.types.Masked;
import org.projectfloodlight.openflow.types.OFPort;
import org.projectfloodlight.openflow.types.OFValueType;
import org.projectfloodlight.openflow.types.OFVlanVidMatch;
import org.projectfloodlight.openflow.types.TransportPort;
import org.projectfloodlight.openflow.types.U16;
import org.projectfloodlight.openflow.types.U8;

/**
 * One connection direction's match at one port (and, where it enters the network, the TCP flags it
 * must not carry), OpenFlow 1.3 to 1.5,
 * that writes its OXM list straight from the {@link ExactMatch} onto the wire. Every connection entry
 * and trap carries one, and openflowj's own match costs an {@code EnumMap} over all its hundred match
 * fields plus an object per field for each: a fifth of the bytes the packet path allocated for a whole
 * connection, and a tenth of its time in building and writing them.
 *
 * <p>The bytes are openflowj's (the same fields in the same order, the OXM headers taken from
 * openflowj's own objects once per version; {@code ExactMatchOxmTest} holds them equal). Anything else
 * asked of it (a field's value, equality, a builder) is answered by the openflowj match it stands for,
 * built once when first asked: readers off the packet path (tests, the reconciler's logs) see a
 * match like any other. Equal to that match in both directions only through {@link #equals} here:
 * openflowj's match does not know this class, so compare with this one on the left.
 */
final class ConnectionMatch implements Match {
  /** OXM headers per version and field, from openflowj; the experimenter's includes its id. */
  private static final Map<OFVersion, Headers> HEADERS = new EnumMap<>(OFVersion.class);

  static {
    for (OFVersion v : new OFVersion[] {OFVersion.OF_13, OFVersion.OF_14, OFVersion.OF_15}) {
      HEADERS.put(v, new Headers(OFFactories.getFactory(v)));
    }
  }

  private final OFFactory factory;
  private final Headers headers;
  private final ExactMatch m;
  private final OFPort inPort;
  /** The TCP flags matched under {@link #flagsMask}; no flags field when the mask is 0. */
  private final int flagsValue;
  private final int flagsMask;
  private Match openflowj;

  private ConnectionMatch(OFFactory factory, ExactMatch m, OFPort inPort, int flagsValue, int flagsMask) {
    this.factory = factory;
    this.headers = HEADERS.get(factory.getVersion());
    this.m = m;
    this.inPort = inPort;
    this.flagsValue = flagsValue & flagsMask;
    this.flagsMask = flagsMask;
  }

  /** Whether this class writes {@code factory}'s matches (OXM: OpenFlow 1.3 to 1.5). */
  static boolean writes(OFFactory factory) {
    return HEADERS.containsKey(factory.getVersion());
  }

  /**
   * {@code m} entering at {@code inPort}; with a {@code flagsMask}, only TCP segments whose flags
   * under that mask are {@code flagsValue} (1.5's {@code tcp_flags}, Open vSwitch's extension of it
   * before).
   */
  static ConnectionMatch of(OFFactory factory, ExactMatch m, OFPort inPort, int flagsValue, int flagsMask) {
    if (!writes(factory)) {
      throw new IllegalArgumentException("no OXM connection match for " + factory.getVersion());
    }
    return new ConnectionMatch(factory, m, inPort, flagsValue, flagsMask);
  }

  @Override
  public void writeTo(ByteBuf bb) {
    int start = bb.writerIndex();
    bb.writeShort(1); // OFPMT_OXM
    int lengthAt = bb.writerIndex();
    bb.writeShort(0);
    Headers h = headers;
    bb.writeInt(h.inPort);
    inPort.write4Bytes(bb);
    bb.writeInt(h.ethDst);
    m.ethDst().write6Bytes(bb);
    bb.writeInt(h.ethSrc);
    m.ethSrc().write6Bytes(bb);
    bb.writeInt(h.ethType);
    bb.writeShort(m.ethType());
    if (m.vlan() >= 0) {
      bb.writeInt(h.vlanVid);
      bb.writeShort(m.vlan() | 0x1000); // OFPVID_PRESENT
    }
    bb.writeInt(h.ipProto);
    bb.writeByte(m.ipProto());
    boolean v6 = m.family() == Family.IPV6;
    if (!v6) {
      bb.writeInt(h.ipv4Src);
      ((IPv4Address) m.src()).write4Bytes(bb);
      bb.writeInt(h.ipv4Dst);
      ((IPv4Address) m.dst()).write4Bytes(bb);
    }
    // in openflowj's order of fields: ports, ICMPv4, then IPv6's addresses and ICMPv6, then flags
    if (m.ipProto() == Packet.PROTO_TCP) {
      bb.writeInt(h.tcpSrc);
      bb.writeShort(m.srcPort());
      bb.writeInt(h.tcpDst);
      bb.writeShort(m.dstPort());
    } else if (m.ipProto() == Packet.PROTO_UDP) {
      bb.writeInt(h.udpSrc);
      bb.writeShort(m.srcPort());
      bb.writeInt(h.udpDst);
      bb.writeShort(m.dstPort());
    } else if (m.ipProto() == Packet.PROTO_ICMP && !v6) {
      bb.writeInt(h.icmpv4Type);
      bb.writeByte(m.icmpType());
      bb.writeInt(h.icmpv4Code);
      bb.writeByte(m.icmpCode());
    }
    if (v6) {
      bb.writeInt(h.ipv6Src);
      ((IPv6Address) m.src()).write16Bytes(bb);
      bb.writeInt(h.ipv6Dst);
      ((IPv6Address) m.dst()).write16Bytes(bb);
      if (m.ipProto() == Packet.PROTO_ICMPV6) {
        bb.writeInt(h.icmpv6Type);
        bb.writeByte(m.icmpType());
        bb.writeInt(h.icmpv6Code);
        bb.writeByte(m.icmpCode());
      }
    }
    if (flagsMask != 0) {
      bb.writeBytes(h.tcpFlagsPrefix);
      bb.writeShort(flagsValue);
      bb.writeShort(flagsMask);
    }
    int length = bb.writerIndex() - start;
    bb.setShort(lengthAt, length);
    bb.writeZero((length + 7) / 8 * 8 - length);
  }

  /** The openflowj match this one writes, built on first use. */
  Match openflowj() {
    Match o = openflowj;
    if (o == null) {
      o = build();
      openflowj = o;
    }
    return o;
  }

  private Match build() {
    OFOxms o = factory.oxms();
    List<OFOxm<?>> l = new ArrayList<>(12);
    l.add(o.inPort(inPort));
    l.add(o.ethSrc(m.ethSrc()));
    l.add(o.ethDst(m.ethDst()));
    l.add(o.ethType(EthType.of(m.ethType())));
    if (m.vlan() >= 0) {
      l.add(o.vlanVid(OFVlanVidMatch.ofVlan(m.vlan())));
    }
    if (m.family() == Family.IPV6) {
      l.add(o.ipv6Src((IPv6Address) m.src()));
      l.add(o.ipv6Dst((IPv6Address) m.dst()));
    } else {
      l.add(o.ipv4Src((IPv4Address) m.src()));
      l.add(o.ipv4Dst((IPv4Address) m.dst()));
    }
    l.add(o.ipProto(IpProtocol.of((short) m.ipProto())));
    if (m.ipProto() == Packet.PROTO_TCP) {
      l.add(o.tcpSrc(TransportPort.of(m.srcPort())));
      l.add(o.tcpDst(TransportPort.of(m.dstPort())));
    } else if (m.ipProto() == Packet.PROTO_UDP) {
      l.add(o.udpSrc(TransportPort.of(m.srcPort())));
      l.add(o.udpDst(TransportPort.of(m.dstPort())));
    } else if (m.ipProto() == Packet.PROTO_ICMP && m.family() == Family.IPV4) {
      l.add(o.icmpv4Type(ICMPv4Type.of((short) m.icmpType())));
      l.add(o.icmpv4Code(ICMPv4Code.of((short) m.icmpCode())));
    } else if (m.ipProto() == Packet.PROTO_ICMPV6 && m.family() == Family.IPV6) {
      l.add(o.icmpv6Type(U8.of((short) m.icmpType())));
      l.add(o.icmpv6Code(U8.of((short) m.icmpCode())));
    }
    if (flagsMask != 0) {
      l.add(Headers.tcpFlags(factory, flagsValue, flagsMask));
    }
    return factory.buildMatchV3()
        .setOxmList(OFOxmList.ofList(l)).build();
  }

  @Override
  public OFVersion getVersion() {
    return factory.getVersion();
  }

  @Override
  public <F extends OFValueType<F>> F get(MatchField<F> field) {
    return openflowj().get(field);
  }

  @Override
  public <F extends OFValueType<F>> Masked<F> getMasked(MatchField<F> field) {
    return openflowj().getMasked(field);
  }

  @Override
  public boolean supports(MatchField<?> field) {
    return openflowj().supports(field);
  }

  @Override
  public boolean supportsMasked(MatchField<?> field) {
    return openflowj().supportsMasked(field);
  }

  @Override
  public boolean isExact(MatchField<?> field) {
    return openflowj().isExact(field);
  }

  @Override
  public boolean isFullyWildcarded(MatchField<?> field) {
    return openflowj().isFullyWildcarded(field);
  }

  @Override
  public boolean isPartiallyMasked(MatchField<?> field) {
    return openflowj().isPartiallyMasked(field);
  }

  @Override
  public Iterable<MatchField<?>> getMatchFields() {
    return openflowj().getMatchFields();
  }

  @Override
  public Match.Builder createBuilder() {
    return openflowj().createBuilder();
  }

  @Override
  public void putTo(PrimitiveSink sink) {
    openflowj().putTo(sink);
  }

  @Override
  public boolean equals(Object o) {
    if (o instanceof ConnectionMatch c) {
      return c.factory.getVersion() == factory.getVersion() && c.m.equals(m) && c.inPort.equals(inPort)
          && c.flagsValue == flagsValue && c.flagsMask == flagsMask;
    }
    return openflowj().equals(o);
  }

  @Override
  public int hashCode() {
    return openflowj().hashCode();
  }

  @Override
  public String toString() {
    return openflowj().toString();
  }

  /** The header of every field a connection match writes, as openflowj writes it for one version. */
  private static final class Headers {
    final int inPort;
    final int ethDst;
    final int ethSrc;
    final int ethType;
    final int vlanVid;
    final int ipProto;
    final int ipv4Src;
    final int ipv4Dst;
    final int tcpSrc;
    final int tcpDst;
    final int udpSrc;
    final int udpDst;
    final int icmpv4Type;
    final int icmpv4Code;
    final int ipv6Src;
    final int ipv6Dst;
    final int icmpv6Type;
    final int icmpv6Code;
    /** The masked TCP flags' header (1.5's field, or Open vSwitch's experimenter one with its id). */
    final byte[] tcpFlagsPrefix;

    Headers(OFFactory f) {
      OFOxms o = f.oxms();
      inPort = header(o.inPort(OFPort.of(1)));
      ethDst = header(o.ethDst(MacAddress.NONE));
      ethSrc = header(o.ethSrc(MacAddress.NONE));
      ethType = header(o.ethType(EthType.IPv4));
      vlanVid = header(o.vlanVid(OFVlanVidMatch.ofVlan(1)));
      ipProto = header(o.ipProto(IpProtocol.TCP));
      ipv4Src = header(o.ipv4Src(IPv4Address.NONE));
      ipv4Dst = header(o.ipv4Dst(IPv4Address.NONE));
      tcpSrc = header(o.tcpSrc(TransportPort.of(1)));
      tcpDst = header(o.tcpDst(TransportPort.of(1)));
      udpSrc = header(o.udpSrc(TransportPort.of(1)));
      udpDst = header(o.udpDst(TransportPort.of(1)));
      icmpv4Type = header(o.icmpv4Type(ICMPv4Type.of((short) 8)));
      icmpv4Code = header(o.icmpv4Code(ICMPv4Code.of((short) 0)));
      ipv6Src = header(o.ipv6Src(IPv6Address.NONE));
      ipv6Dst = header(o.ipv6Dst(IPv6Address.NONE));
      icmpv6Type = header(o.icmpv6Type(U8.of((short) 128)));
      icmpv6Code = header(o.icmpv6Code(U8.of((short) 0)));
      // value and mask (two bytes each) end the masked OXM: what is before them is its header
      ByteBuf b = Unpooled.buffer();
      tcpFlags(f, 1, 1).writeTo(b);
      tcpFlagsPrefix = new byte[b.readableBytes() - 4];
      b.readBytes(tcpFlagsPrefix);
    }

    static OFOxm<U16> tcpFlags(OFFactory f, int value, int mask) {
      return f.getVersion().compareTo(OFVersion.OF_15) >= 0
          ? f.oxms().tcpFlagsMasked(U16.of(value), U16.of(mask))
          : f.oxms().ovsTcpFlagsMasked(U16.of(value), U16.of(mask));
    }

    private static int header(OFOxm<?> oxm) {
      return (int) oxm.getTypeLen();
    }
  }
}
