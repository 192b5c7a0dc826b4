package io.statewall.apps.main;

import io.statewall.bench.SwitchRoles;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.projectfloodlight.openflow.protocol.OFControllerRole;
import org.projectfloodlight.openflow.protocol.OFFactories;
import org.projectfloodlight.openflow.protocol.OFFactory;
import org.projectfloodlight.openflow.protocol.OFFlowMod;
import org.projectfloodlight.openflow.protocol.OFFlowStatsEntry;
import org.projectfloodlight.openflow.protocol.OFPacketOut;
import org.projectfloodlight.openflow.protocol.action.OFAction;
import org.projectfloodlight.openflow.protocol.action.OFActionOutput;
import org.projectfloodlight.openflow.protocol.OFMessage;
import org.projectfloodlight.openflow.protocol.OFPacketInReason;
import org.projectfloodlight.openflow.protocol.OFType;
import org.projectfloodlight.openflow.protocol.match.MatchField;
import org.projectfloodlight.openflow.protocol.OFPortDesc;
import org.projectfloodlight.openflow.protocol.OFRoleRequest;
import org.projectfloodlight.openflow.protocol.OFVersion;
import org.projectfloodlight.openflow.types.DatapathId;
import org.projectfloodlight.openflow.types.MacAddress;
import org.projectfloodlight.openflow.types.OFBufferId;
import org.projectfloodlight.openflow.types.OFPort;
import org.projectfloodlight.openflow.types.TableId;

/**
 * An OpenFlow 1.3 switch connected to several controllers that enforces roles as Open vSwitch does
 * (OpenFlow 1.3 §6.3.7): it keeps the highest generation id it has seen and refuses an older one as
 * STALE; MASTER demotes the other connections to SLAVE. It records every role request and every
 * state-changing message (flow-mod, packet-out, group/meter/port/table-mod) with the sender's role at the
 * time (OVS refuses those of a SLAVE as IS_SLAVE), answers echoes, barriers and flow-stats requests (with
 * no flows, or the table {@link #reportFlows} gave it), ignores the rest, and sends packet-ins on request.
 * A port {@link #link linked} to another switch's carries the packet-outs a non-SLAVE sends out of it to
 * that switch, which sends them to its master as packet-ins (as a cable carries LLDP probes).
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
  private final SwitchRoles roles;
  private final List<Socket> sockets = new CopyOnWriteArrayList<>();
  private final List<Write> writes = new CopyOnWriteArrayList<>();
  private final Map<String, OutputStream> outputs = new ConcurrentHashMap<>();
  private final List<OFFlowStatsEntry> flows = new CopyOnWriteArrayList<>();
  private final List<Integer> portNumbers;
  /** Port -> the switch and port at its other end. */
  private final Map<Integer, Map.Entry<RoleSwitch, Integer>> links = new ConcurrentHashMap<>();
  private final List<FlowModWrite> flowMods = new CopyOnWriteArrayList<>();
  private final List<PacketOutWrite> packetOuts = new CopyOnWriteArrayList<>();

  /** A packet-out from {@code member} taken (not refused as a SLAVE's). */
  record PacketOutWrite(String member, OFPacketOut packetOut) {}

  /** The packet-outs this switch took (from its master), in order. */
  List<PacketOutWrite> packetOuts() {
    return List.copyOf(packetOuts);
  }

  /** A flow-mod from {@code member} taken (not refused as a SLAVE's). */
  record FlowModWrite(String member, OFFlowMod flowMod) {}

  RoleSwitch(long dpid) {
    this(dpid, 1);
  }

  /** A switch with these ports (each up). */
  RoleSwitch(long dpid, int... ports) {
    this(dpid, new SwitchRoles(), ports);
  }

  private RoleSwitch(long dpid, SwitchRoles roles, int... ports) {
    this.dpid = DatapathId.of(dpid);
    this.roles = roles;
    this.portNumbers = java.util.Arrays.stream(ports).boxed().toList();
  }

  /** A switch with one port that has already seen {@code generation}, as OVS keeps it across controllers. */
  static RoleSwitch thatHasSeen(long dpid, long generation) {
    return new RoleSwitch(dpid, new SwitchRoles(generation), 1);
  }

  /** Cables {@code port} of this switch to {@code peerPort} of {@code peer}, both ways. */
  void link(int port, RoleSwitch peer, int peerPort) {
    links.put(port, Map.entry(peer, peerPort));
    peer.links.put(peerPort, Map.entry(this, port));
  }

  /** The flow-mods this switch took (from its master), in order. */
  List<FlowModWrite> flowMods() {
    return List.copyOf(flowMods);
  }

  /** A frame that came in at {@code port} over a cable: to the master, if there is one. */
  private void arrived(int port, byte[] frame) {
    Optional<String> master = roles.master();
    if (master.isEmpty() || outputs.get(master.get()) == null) {
      return;
    }
    try {
      packetIn(master.get(), frame, port);
    } catch (IOException e) {
      // the master's connection closed: the frame is lost, as on a real switch
    }
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
    packetIn(member, frame, 1);
  }

  /** Sends {@code frame} to {@code member} as a table-miss packet-in from {@code port}. */
  void packetIn(String member, byte[] frame, int port) throws IOException {
    SwitchRoles.send(outputs.get(member), F.buildPacketIn().setXid(0x5eed).setBufferId(OFBufferId.NO_BUFFER)
        .setTotalLen(frame.length).setReason(OFPacketInReason.NO_MATCH).setTableId(TableId.of(0))
        .setMatch(F.buildMatch().setExact(MatchField.IN_PORT, OFPort.of(port)).build()).setData(frame).build());
  }

  /** Sends {@code message} (a FLOW_REMOVED, say) to {@code member}, as the switch would. */
  void send(String member, OFMessage message) throws IOException {
    SwitchRoles.send(outputs.get(member), message);
  }

  /** The MASTER requests this switch took, in order. */
  List<RoleCall> mastersTaken() {
    return calls.stream().filter(c -> c.accepted() && c.role() == OFControllerRole.ROLE_MASTER).toList();
  }

  /** The connection that is master at the switch now, if any. */
  Optional<String> master() {
    return roles.master();
  }

  private void serve(String member, Socket socket) {
    try {
      DataInputStream in = new DataInputStream(socket.getInputStream());
      OutputStream out = socket.getOutputStream();
      outputs.put(member, out);
      List<OFPortDesc> ports = portNumbers.stream().map(p -> F.buildPortDesc().setPortNo(OFPort.of(p))
          .setHwAddr(MacAddress.of((dpid.getLong() << 8) + p)).setName("eth" + p).build()).toList();
      roles.connected(member);
      while (true) {
        OFMessage m = SwitchRoles.receive(in);
        OFControllerRole role = roles.of(member);
        if (WRITES.contains(m.getType())) {
          writes.add(new Write(member, m.getType(), role));
        }
        if (role != OFControllerRole.ROLE_SLAVE) { // a SLAVE's are refused (IS_SLAVE)
          if (m instanceof OFFlowMod fm) {
            flowMods.add(new FlowModWrite(member, fm));
          } else if (m instanceof OFPacketOut po) {
            packetOuts.add(new PacketOutWrite(member, po));
            carry(po);
          }
        }
        OFMessage reply = m instanceof OFRoleRequest r ? role(member, r)
            : SwitchRoles.answer(m, dpid, ports, List.copyOf(flows));
        if (reply != null) {
          SwitchRoles.send(out, reply);
        }
      }
    } catch (IOException e) {
      // the controller closed the connection, or the test did
    } finally {
      roles.disconnected(member);
    }
  }

  /** A packet-out's frame, out of each linked port it names, to the switch at the other end. */
  private void carry(OFPacketOut po) {
    for (OFAction a : po.getActions()) {
      if (a instanceof OFActionOutput out) {
        Map.Entry<RoleSwitch, Integer> peer = links.get(out.getPort().getPortNumber());
        if (peer != null) {
          peer.getKey().arrived(peer.getValue(), po.getData());
        }
      }
    }
  }

  private OFMessage role(String member, OFRoleRequest r) {
    SwitchRoles.Outcome o = roles.request(member, r);
    calls.add(new RoleCall(member, r.getRole(), r.getGenerationId().getValue(), o.accepted()));
    return o.reply();
  }

  @Override
  public void close() throws IOException {
    for (Socket s : sockets) {
      s.close();
    }
  }
}
