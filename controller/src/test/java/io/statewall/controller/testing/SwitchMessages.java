package io.statewall.controller.testing;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.projectfloodlight.openflow.protocol.OFCapabilities;
import org.projectfloodlight.openflow.protocol.OFFactories;
import org.projectfloodlight.openflow.protocol.OFFactory;
import org.projectfloodlight.openflow.protocol.OFFeaturesReply;
import org.projectfloodlight.openflow.protocol.OFHello;
import org.projectfloodlight.openflow.protocol.OFMessage;
import org.projectfloodlight.openflow.protocol.OFPortDesc;
import org.projectfloodlight.openflow.protocol.OFPortDescStatsReply;
import org.projectfloodlight.openflow.protocol.OFStatsReplyFlags;
import org.projectfloodlight.openflow.protocol.OFVersion;
import org.projectfloodlight.openflow.types.DatapathId;
import org.projectfloodlight.openflow.types.MacAddress;
import org.projectfloodlight.openflow.types.OFPort;
import org.projectfloodlight.openflow.types.U32;

/** What a switch says during the handshake, built with openflowj, plus wire helpers for tests. */
public final class SwitchMessages {
  private SwitchMessages() {}

  public static OFFactory factory(OFVersion v) {
    return OFFactories.getFactory(v);
  }

  /** A hello in version {@code header}, with a bitmap of {@code bitmapVersions} (wire numbers) if any. */
  public static OFHello hello(OFVersion header, int... bitmapVersions) {
    OFFactory f = factory(header);
    if (bitmapVersions.length == 0) {
      return f.buildHello().setXid(1).build();
    }
    long bits = 0;
    for (int v : bitmapVersions) {
      bits |= 1L << v;
    }
    return f.buildHello().setXid(1).setElements(List.of(f.helloElemVersionbitmap(List.of(U32.of(bits))))).build();
  }

  public static List<OFPortDesc> ports(OFVersion v, int count) {
    List<OFPortDesc> ports = new ArrayList<>();
    for (int i = 1; i <= count; i++) {
      ports.add(
          factory(v)
              .buildPortDesc()
              .setPortNo(OFPort.of(i))
              .setHwAddr(MacAddress.of(0x0200_0000_0000L + i))
              .setName("eth" + i)
              .build());
    }
    return ports;
  }

  public static OFFeaturesReply features(OFVersion v, long xid, DatapathId dpid, List<OFPortDesc> ports) {
    OFFeaturesReply.Builder b =
        factory(v)
            .buildFeaturesReply()
            .setXid(xid)
            .setDatapathId(dpid)
            .setNBuffers(0)
            .setNTables((short) 1)
            .setCapabilities(Set.of(OFCapabilities.FLOW_STATS));
    if (v == OFVersion.OF_10) {
      b.setPorts(ports).setActions(Set.of());
    }
    return b.build();
  }

  public static OFPortDescStatsReply portDesc(OFVersion v, long xid, List<OFPortDesc> ports, boolean more) {
    return factory(v)
        .buildPortDescStatsReply()
        .setXid(xid)
        .setEntries(ports)
        .setFlags(more ? Set.of(OFStatsReplyFlags.REPLY_MORE) : Set.of())
        .build();
  }

  public static ByteBuf encode(OFMessage... messages) {
    ByteBuf buf = Unpooled.buffer();
    for (OFMessage m : messages) {
      m.writeTo(buf);
    }
    return buf;
  }

  public static byte[] bytes(OFMessage message) {
    ByteBuf buf = encode(message);
    byte[] b = new byte[buf.readableBytes()];
    buf.readBytes(b);
    buf.release();
    return b;
  }

  /** Parses every whole message in {@code buf} (releases it). */
  public static List<OFMessage> decodeAll(ByteBuf buf) {
    List<OFMessage> out = new ArrayList<>();
    try {
      while (buf.readableBytes() >= 8) {
        OFMessage m = OFFactories.getGenericReader().readFrom(buf);
        if (m == null) {
          break;
        }
        out.add(m);
      }
    } catch (Exception e) {
      throw new AssertionError("controller sent an unparsable message", e);
    } finally {
      buf.release();
    }
    return out;
  }
}
