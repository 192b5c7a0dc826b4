package io.statewall.netfilter.conntrack;

import io.statewall.netfilter.packet.FrameBuilder;
import io.statewall.netfilter.packet.Packet;
import io.statewall.netfilter.packet.PacketParser;

/**
 * One TCP connection's two endpoints, keeping sequence numbers like real stacks do, so that
 * packets built here pass Linux's window checks unless a test bends them on purpose.
 */
public final class TcpFlow {
  private static final PacketParser PARSER = new PacketParser();
  public final String client;
  public final String server;
  public final int cport;
  public final int sport;
  public long cSeq = 1000;
  public long sSeq = 50000;
  private boolean cSynSent;
  private boolean sSynSent;

  public TcpFlow(String client, int cport, String server, int sport) {
    this.client = client;
    this.server = server;
    this.cport = cport;
    this.sport = sport;
  }

  /** A packet from the client: seq = next client byte, ack = next server byte. */
  public Packet c(int flags, String payload) {
    Packet p = build(true, flags, payload);
    cSeq += advance(flags, payload);
    return p;
  }

  public Packet s(int flags, String payload) {
    Packet p = build(false, flags, payload);
    sSeq += advance(flags, payload);
    return p;
  }

  public Packet c(int flags) {
    return c(flags, "");
  }

  public Packet s(int flags) {
    return s(flags, "");
  }

  /** Same as {@link #c} but neither seq advances (a retransmission, or a probe). */
  public Packet cPeek(int flags, String payload) {
    return build(true, flags, payload);
  }

  public Packet sPeek(int flags, String payload) {
    return build(false, flags, payload);
  }

  /** The frame {@link #c} would parse, advancing the client's sequence number. */
  public byte[] cFrame(int flags, String payload) {
    byte[] b = frame(true, flags, payload);
    cSeq += advance(flags, payload);
    return b;
  }

  public byte[] sFrame(int flags, String payload) {
    byte[] b = frame(false, flags, payload);
    sSeq += advance(flags, payload);
    return b;
  }

  public byte[] frame(boolean fromClient, int flags, String payload) {
    FrameBuilder b = fromClient ? FrameBuilder.ip(client, server).tcp(cport, sport, flags)
        .seq(cSeq).ack((flags & Packet.TCP_ACK) != 0 ? sSeq : 0)
        : FrameBuilder.ip(server, client).tcp(sport, cport, flags)
        .seq(sSeq).ack((flags & Packet.TCP_ACK) != 0 ? cSeq : 0);
    return b.window(64240).payload(payload).build();
  }

  private Packet build(boolean fromClient, int flags, String payload) {
    return PARSER.parse(frame(fromClient, flags, payload));
  }

  private static long advance(int flags, String payload) {
    return payload.length() + ((flags & Packet.TCP_SYN) != 0 ? 1 : 0) + ((flags & Packet.TCP_FIN) != 0 ? 1 : 0);
  }
}
