package io.statewall.controller.channel;

import java.util.List;
import org.projectfloodlight.openflow.protocol.OFFactory;
import org.projectfloodlight.openflow.protocol.OFFeaturesReply;
import org.projectfloodlight.openflow.protocol.OFPortDesc;

/**
 * What a switch's handshake established: its connection, the negotiated version's factory, its
 * features and the ports it described.
 */
public record HandshakeResult(ConnectionInfo connection, OFFactory factory, OFFeaturesReply features,
    List<OFPortDesc> ports) {

  public HandshakeResult {
    ports = List.copyOf(ports);
  }
}
