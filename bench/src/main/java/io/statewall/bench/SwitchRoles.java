package io.statewall.bench;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.projectfloodlight.openflow.protocol.OFBarrierRequest;
import org.projectfloodlight.openflow.protocol.OFCapabilities;
import org.projectfloodlight.openflow.protocol.OFControllerRole;
import org.projectfloodlight.openflow.protocol.OFEchoRequest;
import org.projectfloodlight.openflow.protocol.OFFactories;
import org.projectfloodlight.openflow.protocol.OFFactory;
import org.projectfloodlight.openflow.protocol.OFFeaturesRequest;
import org.projectfloodlight.openflow.protocol.OFFlowStatsEntry;
import org.projectfloodlight.openflow.protocol.OFFlowStatsRequest;
import org.projectfloodlight.openflow.protocol.OFHello;
import org.projectfloodlight.openflow.protocol.OFMessage;
import org.projectfloodlight.openflow.protocol.OFPortDesc;
import org.projectfloodlight.openflow.protocol.OFPortDescStatsRequest;
import org.projectfloodlight.openflow.protocol.OFRoleRequest;
import org.projectfloodlight.openflow.protocol.OFRoleRequestFailedCode;
import org.projectfloodlight.openflow.protocol.OFVersion;
import org.projectfloodlight.openflow.types.DatapathId;
import org.projectfloodlight.openflow.types.OFErrorCauseData;
import org.projectfloodlight.openflow.types.U32;
import org.projectfloodlight.openflow.types.U64;

/**
 * An emulated switch's side of OpenFlow 1.3 roles (§6.3.7), as Open vSwitch applies them: it keeps the
 * highest generation id it has seen and refuses an older one as STALE; a new MASTER makes the others
 * SLAVE. The bench's {@link EmulatedSwitch} keeps one per switch; the apps' cluster tests' blocking
 * switches (RoleSwitch, LoadSwitch) use it too, with the framing they speak and their answers to the
 * handshake ({@link #answer}, {@link #send}, {@link #receive}).
 */
public final class SwitchRoles {
  private static final OFFactory F = OFFactories.getFactory(OFVersion.OF_13);

  /** What a role request did: the reply to send, and whether the switch took it (false: refused as stale). */
  public record Outcome(OFMessage reply, boolean accepted) {}

  private final Map<String, OFControllerRole> roles = new ConcurrentHashMap<>();
  private Long generation;

  /** A switch that has seen no generation id yet. */
  public SwitchRoles() {}

  /** A switch that has already seen {@code generation} (from controllers before these, as OVS keeps it). */
  public SwitchRoles(long generation) {
    this.generation = generation;
  }

  public void connected(String member) {
    roles.put(member, OFControllerRole.ROLE_EQUAL);
  }

  public void disconnected(String member) {
    roles.remove(member);
  }

  public OFControllerRole of(String member) {
    return roles.getOrDefault(member, OFControllerRole.ROLE_EQUAL);
  }

  /** The member the switch holds as MASTER now, if any. */
  public Optional<String> master() {
    return roles.entrySet().stream().filter(e -> e.getValue() == OFControllerRole.ROLE_MASTER).map(Map.Entry::getKey)
        .findFirst();
  }

  public synchronized Outcome request(String member, OFRoleRequest r) {
    OFControllerRole wanted = r.getRole();
    long gen = r.getGenerationId().getValue();
    if (wanted == OFControllerRole.ROLE_MASTER || wanted == OFControllerRole.ROLE_SLAVE) {
      if (generation != null && gen - generation < 0) {
        ByteBuf buf = Unpooled.buffer();
        r.writeTo(buf);
        byte[] bytes = new byte[buf.readableBytes()];
        buf.readBytes(bytes);
        return new Outcome(F.errorMsgs().buildRoleRequestFailedErrorMsg().setXid(r.getXid())
            .setCode(OFRoleRequestFailedCode.STALE).setData(OFErrorCauseData.of(bytes, OFVersion.OF_13)).build(), false);
      }
      generation = gen;
      if (wanted == OFControllerRole.ROLE_MASTER) {
        // OpenFlow 1.3 section 6.3.7 (and OVS's ofconn_set_role): the other MASTER becomes SLAVE; an
        // EQUAL connection stays EQUAL (this once demoted every connection, and a controller still in
        // its handshake when another took MASTER saw its table-miss entry counted as a slave's write)
        roles.replaceAll((other, role) -> role == OFControllerRole.ROLE_MASTER ? OFControllerRole.ROLE_SLAVE : role);
      }
      roles.put(member, wanted);
    }
    // NOCHANGE reads the switch's generation, as OVS answers it (the highest seen, 0 if none)
    long answered = wanted == OFControllerRole.ROLE_MASTER || wanted == OFControllerRole.ROLE_SLAVE ? gen
        : generation == null ? 0 : generation;
    return new Outcome(F.buildRoleReply().setXid(r.getXid()).setRole(of(member)).setGenerationId(U64.of(answered))
        .build(), true);
  }

  /**
   * A switch's answer to the controller's handshake and housekeeping messages (hello, features, port
   * descriptions, barrier, echo, flow statistics with {@code flows}); null for anything else.
   */
  public static OFMessage answer(OFMessage m, DatapathId dpid, List<OFPortDesc> ports, List<OFFlowStatsEntry> flows) {
    if (m instanceof OFHello) {
      return F.buildHello().setXid(m.getXid()).setElements(List.of(F.helloElemVersionbitmap(
          List.of(U32.of(1L << 4))))).build();
    } else if (m instanceof OFFeaturesRequest) {
      return F.buildFeaturesReply().setXid(m.getXid()).setDatapathId(dpid).setNBuffers(0).setNTables((short) 1)
          .setCapabilities(Set.of(OFCapabilities.FLOW_STATS)).build();
    } else if (m instanceof OFPortDescStatsRequest) {
      return F.buildPortDescStatsReply().setXid(m.getXid()).setEntries(ports).build();
    } else if (m instanceof OFBarrierRequest) {
      return F.buildBarrierReply().setXid(m.getXid()).build();
    } else if (m instanceof OFEchoRequest e) {
      return F.buildEchoReply().setXid(e.getXid()).setData(e.getData()).build();
    } else if (m instanceof OFFlowStatsRequest) {
      return F.buildFlowStatsReply().setXid(m.getXid()).setEntries(flows).build();
    }
    return null;
  }

  /** One writer at a time per connection: a switch's reader thread's replies and its packet-ins. */
  public static void send(OutputStream out, OFMessage message) throws IOException {
    ByteBuf buf = Unpooled.buffer();
    message.writeTo(buf);
    byte[] bytes = new byte[buf.readableBytes()];
    buf.readBytes(bytes);
    synchronized (out) {
      out.write(bytes);
      out.flush();
    }
  }

  /** The next OpenFlow message from the controller. */
  public static OFMessage receive(DataInputStream in) throws IOException {
    byte[] header = new byte[8];
    in.readFully(header);
    int length = ((header[2] & 0xff) << 8) | (header[3] & 0xff);
    byte[] frame = new byte[length];
    System.arraycopy(header, 0, frame, 0, 8);
    in.readFully(frame, 8, length - 8);
    try {
      return OFFactories.getGenericReader().readFrom(Unpooled.wrappedBuffer(frame));
    } catch (Exception e) {
      throw new IOException("controller sent an unparsable message", e);
    }
  }
}
