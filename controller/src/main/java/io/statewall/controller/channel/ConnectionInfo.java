package io.statewall.controller.channel;

import java.net.SocketAddress;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import org.projectfloodlight.openflow.protocol.OFVersion;
import org.projectfloodlight.openflow.types.DatapathId;

/**
 * What the handlers of one switch connection learn as the handshake goes on (version, datapath id),
 * shared so every log line can name the switch. One per channel; written on its event loop only.
 */
public final class ConnectionInfo {
  private final String remote;
  private final long connectedNanos;
  private final AtomicLong nextXid = new AtomicLong(1);
  private volatile OFVersion version;
  private volatile DatapathId datapathId;

  public ConnectionInfo(SocketAddress remote, long connectedNanos) {
    this.remote = String.valueOf(remote);
    this.connectedNanos = connectedNanos;
  }

  public Optional<OFVersion> version() {
    return Optional.ofNullable(version);
  }

  void version(OFVersion negotiated) {
    this.version = negotiated;
  }

  public Optional<DatapathId> datapathId() {
    return Optional.ofNullable(datapathId);
  }

  void datapathId(DatapathId id) {
    this.datapathId = id;
  }

  public long connectedNanos() {
    return connectedNanos;
  }

  /** Transaction ids for everything the controller sends on this connection. */
  public long nextXid() {
    long xid = nextXid.getAndIncrement() & 0xffffffffL;
    return xid == 0 ? nextXid() : xid;
  }

  /** "dpid 00:00:..:01 (/127.0.0.1:5432)" once known, else the remote address. */
  @Override
  public String toString() {
    DatapathId id = datapathId;
    return id == null ? remote : "dpid " + id + " (" + remote + ")";
  }
}
