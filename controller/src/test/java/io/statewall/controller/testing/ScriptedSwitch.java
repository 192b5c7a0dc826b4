package io.statewall.controller.testing;

import io.netty.buffer.Unpooled;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.List;
import org.projectfloodlight.openflow.protocol.OFBarrierRequest;
import org.projectfloodlight.openflow.protocol.OFFactories;
import org.projectfloodlight.openflow.protocol.OFMessage;
import org.projectfloodlight.openflow.protocol.OFPortDesc;
import org.projectfloodlight.openflow.protocol.OFVersion;
import org.projectfloodlight.openflow.types.DatapathId;

/** A switch played over a real TCP socket, one blocking step at a time (reads time out after 5 s). */
public final class ScriptedSwitch implements AutoCloseable {
  private final Socket socket;
  private final DataInputStream in;
  private final OutputStream out;

  public ScriptedSwitch(InetSocketAddress controller) throws IOException {
    socket = new Socket(controller.getAddress(), controller.getPort());
    socket.setSoTimeout(5000);
    in = new DataInputStream(socket.getInputStream());
    out = socket.getOutputStream();
  }

  public void send(OFMessage message) throws IOException {
    out.write(SwitchMessages.bytes(message));
    out.flush();
  }

  public OFMessage receive() throws IOException {
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

  /** Receives until a message of {@code type} arrives, answering nothing on the way. */
  public <T extends OFMessage> T receive(Class<T> type) throws IOException {
    while (true) {
      OFMessage m = receive();
      if (type.isInstance(m)) {
        return type.cast(m);
      }
    }
  }

  /** Plays the handshake at 1.3 through the barrier reply. */
  public void handshake13(DatapathId dpid) throws IOException {
    OFVersion v = OFVersion.OF_13;
    receive(); // the controller's hello
    send(SwitchMessages.hello(v, 1, 4));
    OFMessage features = receive();
    List<OFPortDesc> ports = SwitchMessages.ports(v, 2);
    send(SwitchMessages.features(v, features.getXid(), dpid, ports));
    OFMessage portDesc = receive();
    send(SwitchMessages.portDesc(v, portDesc.getXid(), ports, false));
    OFBarrierRequest barrier = receive(OFBarrierRequest.class);
    send(SwitchMessages.factory(v).buildBarrierReply().setXid(barrier.getXid()).build());
  }

  /** True once the controller has closed the connection (reads return end of stream). */
  public boolean closedByPeer() {
    try {
      socket.setSoTimeout(5000);
      while (true) {
        if (in.read() < 0) {
          return true;
        }
      }
    } catch (IOException e) {
      return e instanceof java.net.SocketException;
    }
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }
}
