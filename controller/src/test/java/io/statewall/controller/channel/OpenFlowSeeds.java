package io.statewall.controller.channel;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.statewall.controller.testing.SwitchMessages;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.projectfloodlight.openflow.protocol.OFBadRequestCode;
import org.projectfloodlight.openflow.protocol.OFFactory;
import org.projectfloodlight.openflow.protocol.OFFlowRemovedReason;
import org.projectfloodlight.openflow.protocol.OFMessage;
import org.projectfloodlight.openflow.protocol.OFPacketInReason;
import org.projectfloodlight.openflow.protocol.OFPortDesc;
import org.projectfloodlight.openflow.protocol.OFPortReason;
import org.projectfloodlight.openflow.protocol.OFVersion;
import org.projectfloodlight.openflow.protocol.match.MatchField;
import org.projectfloodlight.openflow.types.DatapathId;
import org.projectfloodlight.openflow.types.OFBufferId;
import org.projectfloodlight.openflow.types.OFErrorCauseData;
import org.projectfloodlight.openflow.types.OFPort;
import org.projectfloodlight.openflow.types.TableId;
import org.projectfloodlight.openflow.types.U64;

/**
 * Writes the seed corpus of {@link OpenFlowPipelineFuzzTest}: what real switches send, as whole streams.
 * Run once to regenerate: {@code java -cp ... io.statewall.controller.channel.OpenFlowSeeds <inputsDir>}.
 */
public final class OpenFlowSeeds {
  private OpenFlowSeeds() {}

  public static void main(String[] args) throws IOException {
    Path inputs = Path.of(args[0]);
    write(inputs.resolve("fromConnect"), fromConnect());
    write(inputs.resolve("afterHandshake"), afterHandshake());
  }

  private static void write(Path dir, Map<String, byte[]> seeds) throws IOException {
    Files.createDirectories(dir);
    for (Map.Entry<String, byte[]> e : seeds.entrySet()) {
      Files.write(dir.resolve(e.getKey()), e.getValue());
    }
  }

  /** Handshakes as switches of each version run them (controller xids: see HandshakeHandler), then traffic. */
  static Map<String, byte[]> fromConnect() {
    Map<String, byte[]> s = new LinkedHashMap<>();
    for (OFVersion v : List.of(OFVersion.OF_10, OFVersion.OF_13, OFVersion.OF_15)) {
      List<OFPortDesc> ports = SwitchMessages.ports(v, 2);
      ByteBuf b = Unpooled.buffer();
      if (v == OFVersion.OF_10) {
        write(b, SwitchMessages.hello(v), SwitchMessages.features(v, 2, DatapathId.of(1), ports),
            SwitchMessages.factory(v).buildBarrierReply().setXid(5).build());
      } else {
        write(b, SwitchMessages.hello(v, v.wireVersion), SwitchMessages.features(v, 2, DatapathId.of(1), ports),
            SwitchMessages.portDesc(v, 3, ports, false),
            SwitchMessages.factory(v).buildBarrierReply().setXid(6).build());
      }
      write(b, traffic(v).toArray(new OFMessage[0]));
      s.put("handshake-" + v.name().toLowerCase() + "-then-traffic", bytesOf(b));
    }
    s.put("hello-no-common-version", SwitchMessages.bytes(SwitchMessages.hello(OFVersion.OF_13, 2)));
    s.put("hello-newer-version-with-bitmap", newerHello());
    s.put("header-length-4-loses-framing", new byte[] {4, 0, 0, 4, 0, 0, 0, 1, 4, 0, 0, 8, 0, 0, 0, 2});
    s.put("unknown-version-and-type", new byte[] {9, 2, 0, 8, 0, 0, 0, 5, 4, 99, 0, 8, 0, 0, 0, 6});
    s.put("http-request", "GET / HTTP/1.1\r\nHost: controller\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
    return s;
  }

  /** Messages a ready switch sends, one seed each, in the versions statewall speaks. */
  static Map<String, byte[]> afterHandshake() {
    Map<String, byte[]> s = new LinkedHashMap<>();
    for (OFVersion v : List.of(OFVersion.OF_10, OFVersion.OF_13, OFVersion.OF_14, OFVersion.OF_15)) {
      ByteBuf all = Unpooled.buffer();
      for (OFMessage m : traffic(v)) {
        s.put(v.name().toLowerCase() + "-" + m.getType().name().toLowerCase(), SwitchMessages.bytes(m));
        m.writeTo(all);
      }
      s.put(v.name().toLowerCase() + "-all", bytesOf(all));
    }
    return s;
  }

  private static List<OFMessage> traffic(OFVersion v) {
    OFFactory f = SwitchMessages.factory(v);
    byte[] frame = new byte[60];
    frame[12] = 0x08; // IPv4 ethertype
    OFMessage packetIn =
        v == OFVersion.OF_10
            ? f.buildPacketIn().setXid(0).setBufferId(OFBufferId.NO_BUFFER).setInPort(OFPort.of(1))
                .setReason(OFPacketInReason.NO_MATCH).setTotalLen(frame.length).setData(frame).build()
            : f.buildPacketIn().setXid(0).setBufferId(OFBufferId.NO_BUFFER).setTableId(TableId.of(0))
                .setCookie(U64.ZERO).setReason(OFPacketInReason.NO_MATCH).setTotalLen(frame.length)
                .setMatch(f.buildMatch().setExact(MatchField.IN_PORT, OFPort.of(1)).build()).setData(frame).build();
    OFMessage portStatus =
        f.buildPortStatus().setXid(0).setReason(OFPortReason.MODIFY)
            .setDesc(SwitchMessages.ports(v, 1).get(0)).build();
    // 1.5's flow-removed carries OXS stats: its seed comes from the 1.3/1.4 ones by mutation
    OFMessage flowRemoved = v == OFVersion.OF_15 ? f.buildBarrierReply().setXid(14).build() :
        f.buildFlowRemoved().setXid(0).setCookie(U64.of(0x5157_0000_0000_0001L))
            .setMatch(f.buildMatch().build()).setReason(OFFlowRemovedReason.IDLE_TIMEOUT)
            .build();
    OFMessage error =
        f.errorMsgs().buildBadRequestErrorMsg().setXid(7).setCode(OFBadRequestCode.BAD_TYPE)
            .setData(OFErrorCauseData.of(new byte[] {(byte) v.wireVersion, 14, 0, 8, 0, 0, 0, 7}, v)).build();
    OFMessage flowStats =
        f.buildFlowStatsReply().setXid(9).setFlags(Set.of()).setEntries(List.of()).build();
    return List.of(
        f.buildEchoRequest().setXid(11).setData(new byte[] {1, 2, 3}).build(),
        f.buildEchoReply().setXid(12).build(),
        packetIn,
        portStatus,
        flowRemoved,
        error,
        flowStats,
        f.buildBarrierReply().setXid(13).build());
  }

  private static byte[] newerHello() {
    byte[] hello = SwitchMessages.bytes(SwitchMessages.hello(OFVersion.OF_15, 4, 6, 7));
    hello[0] = 7; // a version openflowj does not know, hello layout unchanged
    return hello;
  }

  private static void write(ByteBuf b, OFMessage... messages) {
    for (OFMessage m : messages) {
      m.writeTo(b);
    }
  }

  private static byte[] bytesOf(ByteBuf b) {
    byte[] out = new byte[b.readableBytes()];
    b.readBytes(out);
    b.release();
    return out;
  }
}
