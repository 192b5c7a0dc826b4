package io.statewall.apps.main;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.statewall.bench.SwitchRoles;
import io.statewall.netfilter.packet.FrameBuilder;
import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import org.projectfloodlight.openflow.protocol.OFControllerRole;
import org.projectfloodlight.openflow.protocol.OFFactories;
import org.projectfloodlight.openflow.protocol.OFFactory;
import org.projectfloodlight.openflow.protocol.OFMessage;
import org.projectfloodlight.openflow.protocol.OFPacketOut;
import org.projectfloodlight.openflow.protocol.OFPortDesc;
import org.projectfloodlight.openflow.protocol.OFRoleRequest;
import org.projectfloodlight.openflow.protocol.OFType;
import org.projectfloodlight.openflow.protocol.OFVersion;
import org.projectfloodlight.openflow.types.DatapathId;
import org.projectfloodlight.openflow.types.MacAddress;
import org.projectfloodlight.openflow.types.OFBufferId;
import org.projectfloodlight.openflow.types.OFPort;

/**
 * An OpenFlow 1.3 switch for load: connected to several controllers, enforcing roles and generation
 * ids as {@link RoleSwitch} does (the highest generation wins, an older one is refused as STALE,
 * MASTER demotes the others to SLAVE), sending packet-ins only to its master (as Open vSwitch does:
 * a SLAVE gets none; with no master, none is sent), with no flow table: every packet is a packet-in.
 * Behind it, {@value #HOSTS} client hosts on ports 1..{@value #HOSTS} (10.S.0.h) and as many servers on
 * the ports after them (10.S.1.h, port 80). Unlike RoleSwitch it keeps counters, not lists, of what
 * controllers write, and tells a {@link Listener} of every packet-out (its TCP segment parsed).
 *
 * <p>Built for rate, as a loaded switch behaves: packet-ins are queued per controller connection and
 * written by one thread of the switch's own, as many as are waiting in one write (OVS too sends what
 * has accumulated together), and the writes a controller sends are recognised by their header (flow-mods
 * counted, packet-outs' frames read in place) without decoding them whole. One write and one decode per
 * message cost the test as much CPU as the controllers' own work (session 13, {@code docs/cluster.md}).
 */
final class LoadSwitch implements AutoCloseable {
  static final int HOSTS = 8;
  static final int SERVER_PORT = 80;
  private static final OFFactory F = OFFactories.getFactory(OFVersion.OF_13);
  private static final Set<OFType> WRITES = Set.of(OFType.FLOW_MOD, OFType.PACKET_OUT, OFType.GROUP_MOD,
      OFType.METER_MOD, OFType.PORT_MOD, OFType.TABLE_MOD);
  private static final int OF13 = 4;
  private static final int TYPE_PACKET_IN = 10;
  private static final int TYPE_PACKET_OUT = 13;
  /** OpenFlow 1.3's message types that change a switch's state (OVS refuses them from a SLAVE). */
  private static final Set<Integer> WRITE_TYPES = Set.of(TYPE_PACKET_OUT, 14 /* FLOW_MOD */, 15 /* GROUP_MOD */,
      16 /* PORT_MOD */, 17 /* TABLE_MOD */, 29 /* METER_MOD */);

  /** A MASTER role request the switch took: from whom, at which generation. */
  record MasterTaken(String member, long generation) {}

  /** A TCP segment a controller sent out of this switch: client host 1..HOSTS, client port, flags. */
  record Segment(int clientHost, int clientPort, boolean fromClient, int flags) {}

  interface Listener {
    void packetOut(LoadSwitch sw, String member, Segment segment);
  }

  final int number;
  final DatapathId dpid;
  private final Listener listener;
  private final Map<String, Socket> sockets = new ConcurrentHashMap<>();
  private final Map<String, OutputStream> outputs = new ConcurrentHashMap<>();
  private final List<MasterTaken> mastersTaken = new CopyOnWriteArrayList<>();
  private final AtomicLong slaveWrites = new AtomicLong();
  private final AtomicLong writes = new AtomicLong();
  private final AtomicLong staleRefused = new AtomicLong();
  // role state, guarded by this
  private final SwitchRoles roles = new SwitchRoles();
  private volatile String master;
  private volatile long masterGeneration;
  /** Per controller connection: packet-ins encoded and not written yet; guarded by itself. */
  private final Map<String, ByteBuf> outbox = new HashMap<>();
  private Thread sender;
  private volatile boolean closed;

  LoadSwitch(int number, Listener listener) {
    this.number = number;
    this.dpid = DatapathId.of(number);
    this.listener = listener;
  }

  void connect(String member, InetSocketAddress controller) throws IOException {
    Socket socket = new Socket(controller.getAddress(), controller.getPort());
    socket.setTcpNoDelay(true);
    sockets.put(member, socket);
    Thread t = new Thread(() -> serve(member, socket), "load-switch-" + number + "-" + member);
    t.setDaemon(true);
    t.start();
  }

  /** The member this switch has as MASTER now, if any. */
  Optional<String> master() {
    return Optional.ofNullable(master);
  }

  /** The generation id the current master was accepted with (0 before any). */
  long masterGeneration() {
    return masterGeneration;
  }

  List<MasterTaken> mastersTaken() {
    return List.copyOf(mastersTaken);
  }

  /** State-changing messages from a controller while it was SLAVE here (OVS refuses them as IS_SLAVE). */
  long slaveWrites() {
    return slaveWrites.get();
  }

  long writes() {
    return writes.get();
  }

  long staleRefused() {
    return staleRefused.get();
  }

  static int clientIp(int sw, int host) {
    return (10 << 24) | (sw << 16) | host;
  }

  static int serverIp(int sw, int host) {
    return (10 << 24) | (sw << 16) | (1 << 8) | host;
  }

  private long clientMac(int host) {
    return 0x0200_0000_0000L | ((long) number << 8) | host;
  }

  private long serverMac(int host) {
    return 0x0200_0001_0000L | ((long) number << 8) | host;
  }

  private static String ip(int v) {
    return (v >>> 24) + "." + ((v >>> 16) & 0xff) + "." + ((v >>> 8) & 0xff) + "." + (v & 0xff);
  }

  /** A segment from client host {@code host}:{@code port} to its server (host of the same number), port 80. */
  byte[] fromClient(int host, int port, int flags, long seq, long ack, int payload) {
    FrameBuilder b = FrameBuilder.ip(ip(clientIp(number, host)), ip(serverIp(number, host)))
        .macs(clientMac(host), serverMac(host)).tcp(port, SERVER_PORT, flags).seq(seq).ack(ack);
    if (payload > 0) {
      b.payload(new byte[payload]);
    }
    return b.build();
  }

  /** The server's segment back to client host {@code host}:{@code port}. */
  byte[] fromServer(int host, int port, int flags, long seq, long ack) {
    return FrameBuilder.ip(ip(serverIp(number, host)), ip(clientIp(number, host)))
        .macs(serverMac(host), clientMac(host)).tcp(SERVER_PORT, port, flags).seq(seq).ack(ack).build();
  }

  /**
   * Sends {@code frame} as a table-miss packet-in from {@code inPort} to the master; returns the member
   * it went to, or null when the switch has no master (OVS sends a SLAVE no packet-in). It is queued for
   * the switch's sender thread, so no caller (a thread reading a controller's connection among them)
   * blocks on a write while a controller has stopped reading until its own writes drain; one that goes
   * to a connection closed meanwhile is lost with it, as on a switch.
   */
  String packetIn(int inPort, byte[] frame) {
    String to = master;
    if (to == null || !outputs.containsKey(to)) {
      return null;
    }
    synchronized (outbox) {
      if (sender == null) {
        sender = new Thread(this::sendQueued, "load-switch-" + number + "-sender");
        sender.setDaemon(true);
        sender.start();
      }
      ByteBuf b = outbox.computeIfAbsent(to, m -> Unpooled.buffer(1 << 16));
      // ofp_packet_in (OpenFlow 1.3, 7.4.1): header, buffer id, total length, reason, table, cookie, an
      // OXM match of IN_PORT alone (4 + 8 bytes, padded to 16), 2 bytes of padding, the frame
      b.writeByte(OF13).writeByte(TYPE_PACKET_IN).writeShort(42 + frame.length).writeInt(0x5eed);
      b.writeInt((int) OFBufferId.NO_BUFFER.getInt()).writeShort(frame.length).writeByte(0 /* NO_MATCH */)
          .writeByte(0).writeLong(0);
      b.writeShort(1 /* OFPMT_OXM */).writeShort(12).writeInt(0x8000_0004 /* OXM_OF_IN_PORT, 4 bytes */)
          .writeInt(inPort).writeInt(0);
      b.writeShort(0).writeBytes(frame);
      outbox.notifyAll();
    }
    return to;
  }

  /** As {@link #packetIn}, for the threads that read the controllers' connections (the same queue). */
  void packetInLater(int inPort, byte[] frame) {
    packetIn(inPort, frame);
  }

  /** Writes what is queued for each controller, all of it in one write, until the switch closes. */
  private void sendQueued() {
    Map<String, ByteBuf> taken = new HashMap<>();
    while (true) {
      synchronized (outbox) {
        while (outbox.values().stream().noneMatch(ByteBuf::isReadable)) {
          if (closed) {
            return;
          }
          try {
            outbox.wait(100);
          } catch (InterruptedException e) {
            return;
          }
        }
        for (Map.Entry<String, ByteBuf> e : outbox.entrySet()) {
          if (e.getValue().isReadable()) {
            ByteBuf spare = taken.remove(e.getKey());
            taken.put(e.getKey(), e.getValue());
            e.setValue(spare == null ? Unpooled.buffer(1 << 16) : spare);
          }
        }
      }
      for (Map.Entry<String, ByteBuf> e : taken.entrySet()) {
        ByteBuf b = e.getValue();
        OutputStream out = outputs.get(e.getKey());
        if (out != null && b.isReadable()) {
          try {
            synchronized (out) {
              b.getBytes(b.readerIndex(), out, b.readableBytes());
              out.flush();
            }
          } catch (IOException gone) {
            // the connection closed: what was queued for it is lost with it
          }
        }
        b.clear();
      }
    }
  }

  private void serve(String member, Socket socket) {
    try {
      DataInputStream in = new DataInputStream(new BufferedInputStream(socket.getInputStream(), 1 << 16));
      OutputStream out = socket.getOutputStream();
      outputs.put(member, out);
      List<OFPortDesc> ports = new ArrayList<>();
      for (int p = 1; p <= 2 * HOSTS; p++) {
        ports.add(F.buildPortDesc().setPortNo(OFPort.of(p)).setHwAddr(MacAddress.of(0x0a00_0000_0000L | p))
            .setName("eth" + p).build());
      }
      roles.connected(member);
      byte[] header = new byte[8];
      while (true) {
        in.readFully(header);
        int length = ((header[2] & 0xff) << 8) | (header[3] & 0xff);
        byte[] frame = new byte[length];
        System.arraycopy(header, 0, frame, 0, 8);
        in.readFully(frame, 8, length - 8);
        if (header[0] == OF13 && WRITE_TYPES.contains(header[1] & 0xff)) {
          // recognised by the header: the bulk under load, read without decoding it whole
          writes.incrementAndGet();
          if (roles.of(member) == OFControllerRole.ROLE_SLAVE) {
            slaveWrites.incrementAndGet();
            continue; // refused, as OVS does
          }
          if ((header[1] & 0xff) == TYPE_PACKET_OUT && length >= 24) {
            // ofp_packet_out (7.3.7): header, buffer id, in port, actions length, 6 bytes of padding,
            // the actions, the frame
            int data = 24 + (((frame[16] & 0xff) << 8) | (frame[17] & 0xff));
            Segment s = segment(frame, data, length - data);
            if (s != null) {
              listener.packetOut(this, member, s);
            }
          }
          continue;
        }
        OFMessage m;
        try {
          m = OFFactories.getGenericReader().readFrom(Unpooled.wrappedBuffer(frame));
        } catch (Exception e) {
          throw new IOException("controller sent an unparsable message", e);
        }
        if (WRITES.contains(m.getType())) {
          writes.incrementAndGet();
          if (roles.of(member) == OFControllerRole.ROLE_SLAVE) {
            slaveWrites.incrementAndGet();
            continue; // refused, as OVS does
          }
          if (m instanceof OFPacketOut po) {
            byte[] data = po.getData();
            Segment s = segment(data, 0, data.length);
            if (s != null) {
              listener.packetOut(this, member, s);
            }
          }
          continue;
        }
        OFMessage reply = m instanceof OFRoleRequest r ? role(member, r)
            : SwitchRoles.answer(m, dpid, ports, List.of());
        if (reply != null) {
          SwitchRoles.send(out, reply);
        }
      }
    } catch (IOException e) {
      // the controller closed the connection, or the test did
    } finally {
      synchronized (this) {
        roles.disconnected(member);
        outputs.remove(member);
        if (member.equals(master)) {
          master = null;
        }
      }
    }
  }

  /**
   * The TCP segment an IPv4 frame carries (at {@code o}, {@code n} bytes, in {@code f}), if it is one
   * between a client and a server of this switch.
   */
  private static Segment segment(byte[] f, int o, int n) {
    if (n < 54 || (f[o + 12] & 0xff) != 0x08 || f[o + 13] != 0 || f[o + 23] != 6) {
      return null;
    }
    int ihl = (f[o + 14] & 0x0f) * 4;
    int src = readInt(f, o + 26);
    int dst = readInt(f, o + 30);
    int tcp = o + 14 + ihl;
    if (tcp + 14 > o + n) {
      return null;
    }
    int sport = ((f[tcp] & 0xff) << 8) | (f[tcp + 1] & 0xff);
    int dport = ((f[tcp + 2] & 0xff) << 8) | (f[tcp + 3] & 0xff);
    int flags = f[tcp + 13] & 0xff;
    boolean fromClient = ((src >>> 8) & 0xff) == 0;
    int client = fromClient ? src : dst;
    return new Segment(client & 0xff, fromClient ? sport : dport, fromClient, flags);
  }

  private static int readInt(byte[] b, int off) {
    return ((b[off] & 0xff) << 24) | ((b[off + 1] & 0xff) << 16) | ((b[off + 2] & 0xff) << 8) | (b[off + 3] & 0xff);
  }

  private synchronized OFMessage role(String member, OFRoleRequest r) {
    SwitchRoles.Outcome o = roles.request(member, r);
    if (!o.accepted()) {
      staleRefused.incrementAndGet();
    } else if (r.getRole() == OFControllerRole.ROLE_MASTER) {
      long gen = r.getGenerationId().getValue();
      mastersTaken.add(new MasterTaken(member, gen));
      masterGeneration = gen;
      master = member;
    } else if (r.getRole() == OFControllerRole.ROLE_SLAVE && member.equals(master)) {
      master = null;
    }
    return o.reply();
  }

  /** Closes the connection to {@code member}, as its process dying would (the switch sees it gone). */
  void disconnect(String member) throws IOException {
    Socket s = sockets.get(member);
    if (s != null) {
      s.close();
    }
  }

  @Override
  public void close() throws IOException {
    closed = true;
    synchronized (outbox) {
      outbox.notifyAll();
    }
    for (Socket s : sockets.values()) {
      s.close();
    }
  }
}
