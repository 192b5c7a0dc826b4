package io.statewall.apps.main;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
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
import org.projectfloodlight.openflow.protocol.OFPacketInReason;
import org.projectfloodlight.openflow.protocol.OFType;
import org.projectfloodlight.openflow.protocol.match.MatchField;
import org.projectfloodlight.openflow.protocol.OFPortDesc;
import org.projectfloodlight.openflow.protocol.OFPortDescStatsRequest;
import org.projectfloodlight.openflow.protocol.OFRoleRequest;
import org.projectfloodlight.openflow.protocol.OFRoleRequestFailedCode;
import org.projectfloodlight.openflow.protocol.OFVersion;
import org.projectfloodlight.openflow.protocol.errormsg.OFErrorMsgs;
import org.projectfloodlight.openflow.types.DatapathId;
import org.projectfloodlight.openflow.types.MacAddress;
import org.projectfloodlight.openflow.types.OFBufferId;
import org.projectfloodlight.openflow.types.OFErrorCauseData;
import org.projectfloodlight.openflow.types.OFPort;
import org.projectfloodlight.openflow.types.TableId;
import org.projectfloodlight.openflow.types.U32;
import org.projectfloodlight.openflow.types.U64;

/**
 * An OpenFlow 1.3 switch connected to several controllers that enforces roles as Open vSwitch does
 * (OpenFlow 1.3 §6.3.7): it keeps the highest generation id it has seen and refuses an older one as
 * STALE; MASTER demotes the other connections to SLAVE. It records every role request and every
 * state-changing message (flow-mod, packet-out, group/meter/port/table-mod) with the sender's role at the
 * time (OVS refuses those of a SLAVE as IS_SLAVE), answers echoes, barriers and flow-stats requests (with
 * no flows, or the table {@link #reportFlows} gave it), ignores the rest, and sends packet-ins on request.
 */
final class RoleSwitch implements AutoCloseable {
  private static final OFFactory F = OFFactories.getFactory(OFVersion.OF_13);

  /** One role request as the switch saw it, from which member, and whether it took it. */
  record RoleCall(String member, OFControllerRole role, long generation, boolean accepted) {}

  /** A state-changing message from {@code member}, and its role at the switch when it arrived. */
  record Write(String member, OFType type, OFControllerRole role) {}

  private static final Set<OFType> WRITES = Set.of(OFType.FLOW_MOD, OFType.PACKET_OUT, OFType.GROUP_MOD,
      OFType.METER_MOD, OFType.PORT_MOD, OFType.TABLE_MOD);

  final DatapathId dpid;
  private final List<RoleCall> calls = new CopyOnWriteArrayList<>();
  private final Map<String, OFControllerRole> roles = new ConcurrentHashMap<>();
  private final List<Socket> sockets = new CopyOnWriteArrayList<>();
  private final List<Write> writes = new CopyOnWriteArrayList<>();
  private final Map<String, OutputStream> outputs = new ConcurrentHashMap<>();
  private final List<OFFlowStatsEntry> flows = new CopyOnWriteArrayList<>();
  private Long generation;

  RoleSwitch(long dpid) {
    this.dpid = DatapathId.of(dpid);
  }

  /** Connects to {@code member}'s controller and serves that connection on a thread of its own. */
  void connect(String member, InetSocketAddress controller) throws IOException {
    Socket socket = new Socket(controller.getAddress(), controller.getPort());
    sockets.add(socket);
    Thread t = new Thread(() -> serve(member, socket), "role-switch-" + dpid + "-" + member);
    t.setDaemon(true);
    t.start();
  }

  List<RoleCall> calls() {
    return List.copyOf(calls);
  }

  /** From now on, flow-stats requests are answered with {@code table} (entries left by an earlier controller). */
  void reportFlows(List<OFFlowStatsEntry> table) {
    flows.clear();
    flows.addAll(table);
  }

  List<Write> writes() {
    return List.copyOf(writes);
  }

  /** Sends {@code frame} to {@code member} as a table-miss packet-in from port 1. */
  void packetIn(String member, byte[] frame) throws IOException {
    send(outputs.get(member), F.buildPacketIn().setXid(0x5eed).setBufferId(OFBufferId.NO_BUFFER)
        .setTotalLen(frame.length).setReason(OFPacketInReason.NO_MATCH).setTableId(TableId.of(0))
        .setMatch(F.buildMatch().setExact(MatchField.IN_PORT, OFPort.of(1)).build()).setData(frame).build());
  }

  /** The MASTER requests this switch took, in order. */
  List<RoleCall> mastersTaken() {
    return calls.stream().filter(c -> c.accepted() && c.role() == OFControllerRole.ROLE_MASTER).toList();
  }

  /** The connection that is master at the switch now, if any. */
  Optional<String> master() {
    return roles.entrySet().stream().filter(e -> e.getValue() == OFControllerRole.ROLE_MASTER).map(Map.Entry::getKey)
        .findFirst();
  }

  private void serve(String member, Socket socket) {
    try {
      DataInputStream in = new DataInputStream(socket.getInputStream());
      OutputStream out = socket.getOutputStream();
      outputs.put(member, out);
      List<OFPortDesc> ports = List.of(F.buildPortDesc().setPortNo(OFPort.of(1)).setHwAddr(MacAddress.of(2L))
          .setName("eth1").build());
      roles.put(member, OFControllerRole.ROLE_EQUAL);
      while (true) {
        OFMessage m = receive(in);
        if (WRITES.contains(m.getType())) {
          writes.add(new Write(member, m.getType(), roles.getOrDefault(member, OFControllerRole.ROLE_EQUAL)));
        }
        OFMessage reply = null;
        if (m instanceof OFHello) {
          reply = F.buildHello().setXid(m.getXid()).setElements(List.of(F.helloElemVersionbitmap(
              List.of(U32.of(1L << 4))))).build();
        } else if (m instanceof OFFeaturesRequest) {
          reply = F.buildFeaturesReply().setXid(m.getXid()).setDatapathId(dpid).setNBuffers(0).setNTables((short) 1)
              .setCapabilities(Set.of(OFCapabilities.FLOW_STATS)).build();
        } else if (m instanceof OFPortDescStatsRequest) {
          reply = F.buildPortDescStatsReply().setXid(m.getXid()).setEntries(ports).build();
        } else if (m instanceof OFBarrierRequest) {
          reply = F.buildBarrierReply().setXid(m.getXid()).build();
        } else if (m instanceof OFEchoRequest e) {
          reply = F.buildEchoReply().setXid(e.getXid()).setData(e.getData()).build();
        } else if (m instanceof OFFlowStatsRequest) {
          reply = F.buildFlowStatsReply().setXid(m.getXid()).setEntries(List.copyOf(flows)).build();
        } else if (m instanceof OFRoleRequest r) {
          reply = role(member, r);
        }
        if (reply != null) {
          send(out, reply);
        }
      }
    } catch (IOException e) {
      // the controller closed the connection, or the test did
    } finally {
      roles.remove(member);
    }
  }

  /** One writer at a time per connection: its reader thread's replies and the test's packet-ins. */
  private static void send(OutputStream out, OFMessage message) throws IOException {
    ByteBuf buf = Unpooled.buffer();
    message.writeTo(buf);
    byte[] bytes = new byte[buf.readableBytes()];
    buf.readBytes(bytes);
    synchronized (out) {
      out.write(bytes);
      out.flush();
    }
  }

  private synchronized OFMessage role(String member, OFRoleRequest r) {
    OFControllerRole wanted = r.getRole();
    long gen = r.getGenerationId().getValue();
    if (wanted == OFControllerRole.ROLE_MASTER || wanted == OFControllerRole.ROLE_SLAVE) {
      if (generation != null && gen - generation < 0) {
        calls.add(new RoleCall(member, wanted, gen, false));
        ByteBuf buf = Unpooled.buffer();
        r.writeTo(buf);
        byte[] bytes = new byte[buf.readableBytes()];
        buf.readBytes(bytes);
        OFErrorMsgs errors = F.errorMsgs();
        return errors.buildRoleRequestFailedErrorMsg().setXid(r.getXid()).setCode(OFRoleRequestFailedCode.STALE)
            .setData(OFErrorCauseData.of(bytes, OFVersion.OF_13)).build();
      }
      generation = gen;
      if (wanted == OFControllerRole.ROLE_MASTER) {
        new ArrayList<>(roles.keySet()).forEach(other -> roles.put(other, OFControllerRole.ROLE_SLAVE));
      }
      roles.put(member, wanted);
    }
    calls.add(new RoleCall(member, wanted, gen, true));
    return F.buildRoleReply().setXid(r.getXid()).setRole(roles.getOrDefault(member, OFControllerRole.ROLE_EQUAL))
        .setGenerationId(U64.of(gen)).build();
  }

  private static OFMessage receive(DataInputStream in) throws IOException {
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

  @Override
  public void close() throws IOException {
    for (Socket s : sockets) {
      s.close();
    }
  }
}
