package io.statewall.netfilter.conntrack;

import io.statewall.netfilter.packet.FrameBuilder;
import io.statewall.netfilter.packet.Packet;
import java.util.ArrayList;
import java.util.List;

/**
 * Packet sequences replayed both into Linux (namespaces) and into our tracker. Addresses: clients
 * in 10.9.2.0/24 (fd00:2::/64), servers in 10.9.1.0/24 (fd00:1::/64), third parties in
 * 10.9.3.0/24; the kernel side routes each to a dummy interface.
 */
final class DiffScenarios {

  /**
   * One sequence; {@code deliberate} names a documented difference from this kernel, else null.
   * For a deliberate difference outside FTP, {@code kernelStates} and {@code ourStates} say what
   * each side is expected to see per packet (both checked); null for the FTP ones (the kernel
   * expects a wrapped port, statewall drops the command).
   */
  record Scenario(String name, List<byte[]> frames, String deliberate, List<String> kernelStates,
      List<String> ourStates) {
    Scenario(String name, List<byte[]> frames, String deliberate) {
      this(name, frames, deliberate, null, null);
    }
  }

  static final String C = "10.9.2.1";
  static final String S = "10.9.1.2";
  static final String X = "10.9.3.7";
  static final String C6 = "fd00:2::1";
  static final String S6 = "fd00:1::2";

  private static final int SYN = Packet.TCP_SYN;
  private static final int ACK = Packet.TCP_ACK;
  private static final int SA = SYN | ACK;
  private static final int FA = Packet.TCP_FIN | ACK;
  private static final int PA = Packet.TCP_PSH | ACK;
  private static final int RST = Packet.TCP_RST;

  private final List<Scenario> all = new ArrayList<>();
  private int port = 40000;

  static List<Scenario> all() {
    DiffScenarios d = new DiffScenarios();
    d.tcp();
    d.trackerFixes();
    d.checksums();
    d.fragments();
    d.udpIcmp();
    d.ftp();
    return d.all;
  }

  private TcpFlow flow(int serverPort) {
    return new TcpFlow(C, port++, S, serverPort);
  }

  private void add(String name, List<byte[]> frames) {
    all.add(new Scenario(name, frames, null));
  }

  private static List<byte[]> handshake(TcpFlow f) {
    List<byte[]> l = new ArrayList<>();
    l.add(f.cFrame(SYN, ""));
    l.add(f.sFrame(SA, ""));
    l.add(f.cFrame(ACK, ""));
    return l;
  }

  private void tcp() {
    TcpFlow f = flow(80);
    List<byte[]> l = handshake(f);
    l.add(f.cFrame(PA, "GET / HTTP/1.0\r\n\r\n"));
    l.add(f.sFrame(PA, "HTTP/1.0 200 OK\r\n\r\n"));
    l.add(f.cFrame(FA, ""));
    l.add(f.sFrame(ACK, ""));
    l.add(f.sFrame(FA, ""));
    l.add(f.cFrame(ACK, ""));
    add("tcp full lifecycle ends in TIME_WAIT", l);

    f = flow(80);
    add("tcp lone SYN is SYN_SENT unreplied", List.of(f.cFrame(SYN, "")));

    f = flow(80);
    add("tcp SYN, SYN-ACK is SYN_RECV", List.of(f.cFrame(SYN, ""), f.sFrame(SA, "")));

    f = flow(80);
    l = new ArrayList<>(handshake(f));
    add("tcp handshake is ESTABLISHED and assured", l);

    f = flow(80);
    byte[] syn = f.cFrame(SYN, "");
    f.sSeq = 0;
    add("tcp SYN answered by RST deletes the connection",
        List.of(syn, f.sFrame(RST | ACK, "")));

    f = flow(80);
    add("tcp mid-stream ACK is picked up (loose)", List.of(f.cFrame(ACK, "")));

    f = flow(80);
    add("tcp picked-up connection with replies", List.of(f.cFrame(PA, "abc"), f.sFrame(ACK, ""),
        f.cFrame(PA, "def"), f.sFrame(ACK, "")));

    f = flow(80);
    add("tcp SYN+FIN is invalid", List.of(f.cFrame(SYN | Packet.TCP_FIN, "")));

    f = flow(80);
    add("tcp no flags is invalid", List.of(f.cFrame(0, "")));

    f = flow(80);
    add("tcp FIN+ACK cannot start a connection", List.of(f.cFrame(FA, "")));

    f = flow(80);
    add("tcp SYN-ACK cannot start a connection", List.of(f.cFrame(SA, "")));

    f = flow(80);
    add("tcp lone RST is invalid", List.of(f.cFrame(RST, "")));

    f = flow(80);
    l = new ArrayList<>(handshake(f));
    l.add(f.cFrame(RST, ""));
    add("tcp RST in ESTABLISHED closes", l);

    f = flow(80);
    l = new ArrayList<>(handshake(f));
    f.cSeq += 10_000_000;
    l.add(f.cFrame(PA, "far"));
    add("tcp data far beyond the window is invalid", l);

    f = flow(80);
    l = new ArrayList<>(handshake(f));
    long real = f.cSeq;
    f.cSeq += 5_000_000;
    l.add(f.sFrame(ACK, ""));
    f.cSeq = real;
    add("tcp ACK of data never sent is invalid", l);

    f = flow(80);
    l = new ArrayList<>(handshake(f));
    l.add(f.cFrame(FA, ""));
    l.add(f.sFrame(ACK, ""));
    l.add(f.sFrame(FA, ""));
    l.add(f.cFrame(ACK, ""));
    f.cSeq += 100_000;
    l.add(f.cFrame(SYN, ""));
    add("tcp SYN in TIME_WAIT reopens", l);

    f = flow(80);
    add("tcp simultaneous open reaches SYN_SENT2", List.of(f.cFrame(SYN, ""), f.sFrame(SYN, "")));

    f = flow(80);
    byte[] s1 = f.cFrame(SYN, "");
    add("tcp retransmitted SYN stays SYN_SENT", List.of(s1, s1.clone()));

    f = flow(80);
    add("tcp ACK in SYN_SENT is invalid", List.of(f.cFrame(SYN, ""), f.cFrame(ACK, "")));

    f = flow(80);
    l = new ArrayList<>(handshake(f));
    l.add(f.cFrame(FA, ""));
    l.add(f.sFrame(ACK, ""));
    add("tcp half close is CLOSE_WAIT", l);

    f = flow(80);
    l = new ArrayList<>(handshake(f));
    long exact = f.cSeq;
    f.cSeq += 1000;
    l.add(f.cFrame(RST, ""));
    f.cSeq = exact;
    add("tcp RST with an inexact sequence number keeps ESTABLISHED", l);

    f = flow(80);
    l = new ArrayList<>(handshake(f));
    f.cSeq += 777_777;
    l.add(f.cFrame(SYN, ""));
    add("tcp SYN in ESTABLISHED is ignored", l);

    f = flow(80);
    l = new ArrayList<>(handshake(f));
    f.cSeq += 777_777;
    l.add(f.cFrame(SYN, ""));
    f.sSeq += 999_999;
    l.add(f.sFrame(SA, ""));
    l.add(f.cFrame(ACK, ""));
    add("tcp SYN-ACK answering an ignored SYN resynchronises", l);

    f = flow(80);
    l = new ArrayList<>(handshake(f));
    byte[] first = f.frame(true, PA, "abc");
    l.add(f.cFrame(PA, "abc"));
    l.add(f.sFrame(ACK, ""));
    l.add(f.cFrame(PA, "def"));
    l.add(first);
    add("tcp retransmission of acknowledged data", l);

    f = flow(80);
    l = new ArrayList<>(handshake(f));
    l.add(f.cFrame(FA, ""));
    l.add(f.sFrame(ACK, ""));
    l.add(f.sFrame(FA, ""));
    l.add(f.cFrame(SYN, ""));
    l.add(f.sFrame(ACK, ""));
    add("tcp challenge ACK in LAST_ACK is not taken as the last ACK", l);

    f = flow(80);
    l = new ArrayList<>(handshake(f));
    l.add(f.cFrame(PA, "x".repeat(1200)));
    l.add(f.cFrame(PA, "y".repeat(1200)));
    l.add(f.sFrame(ACK, ""));
    l.add(f.sFrame(FA, ""));
    l.add(f.cFrame(RST, ""));
    add("tcp data, FIN from server, RST from client closes", l);

    TcpFlow f6 = new TcpFlow(C6, port++, S6, 80);
    l = new ArrayList<>(handshake(f6));
    l.add(f6.cFrame(PA, "hello"));
    add("tcp over IPv6 handshake and data", l);
  }

  /** Issue 16's tracker bugs: each of these failed before its fix. */
  private void trackerFixes() {
    // A SYN retransmitted with a higher sequence number re-initialises the sender (tcp_init_sender);
    // its options replace the first SYN's, so the window-scale flag of the first one is gone, and
    // the SYN-ACK's scale is not applied either (both sides must offer it).
    TcpFlow f = flow(80);
    byte[] wscale = {1, 3, 3, 7};
    byte[] sackOnly = {1, 1, 4, 2};
    List<byte[]> l = new ArrayList<>();
    l.add(tcpWithOptions(f, true, SYN, wscale));
    f.cSeq += 1000;
    l.add(tcpWithOptions(f, true, SYN, sackOnly));
    f.cSeq++;
    l.add(tcpWithOptions(f, false, SA, wscale));
    f.sSeq++;
    l.add(f.cFrame(ACK, ""));
    // The server's raw window of 2000 is 2000 bytes (no scaling), not 256000.
    l.add(FrameBuilder.ip(f.server, f.client).tcp(f.sport, f.cport, ACK).seq(f.sSeq).ack(f.cSeq)
        .window(2000).build());
    f.cSeq += 200_000;
    l.add(f.cFrame(PA, "beyond an unscaled window"));
    add("tcp SYN retransmitted with other options forgets the first SYN's window scale", l);

    // A challenge ACK answering a SYN (the server still has an old connection): ignored, but its
    // acknowledgement number is kept, and the client's RST carrying it as sequence is accepted.
    f = flow(80);
    l = new ArrayList<>();
    l.add(f.cFrame(SYN, ""));
    l.add(FrameBuilder.ip(f.server, f.client).tcp(f.sport, f.cport, ACK).seq(f.sSeq).ack(777_777)
        .window(64240).build());
    l.add(FrameBuilder.ip(f.client, f.server).tcp(f.cport, f.sport, RST).seq(777_777).window(0)
        .build());
    add("tcp RST answering a challenge ACK in SYN_SENT closes", l);

    // The ignored reply still counts as a reply: the entry is no longer UNREPLIED and the client's
    // next packet is ESTABLISHED.
    f = flow(80);
    l = new ArrayList<>();
    byte[] syn = f.cFrame(SYN, "");
    l.add(syn);
    l.add(FrameBuilder.ip(f.server, f.client).tcp(f.sport, f.cport, ACK).seq(f.sSeq).ack(555_555)
        .window(64240).build());
    l.add(syn.clone());
    add("tcp reply ignored in SYN_SENT sets SEEN_REPLY", l);

    // ICMP errors quoting only the ports (RFC 792 asks for 8 bytes; Linux needs 4 of TCP/UDP).
    int p = port++;
    byte[] req = FrameBuilder.ip(C, S).udp(p, 5353).payload("x").build();
    add("icmp unreachable quoting only the UDP ports is RELATED", List.of(req,
        FrameBuilder.ip(S, C).icmp(3, 3, 0).payload(FrameBuilder.ipPacketOf(req, 24)).build()));

    f = flow(80);
    syn = f.cFrame(SYN, "");
    add("icmp time exceeded quoting only the TCP ports is RELATED", List.of(syn,
        FrameBuilder.ip(X, C).icmp(11, 0, 0).payload(FrameBuilder.ipPacketOf(syn, 24)).build()));

    p = port++;
    req = FrameBuilder.ip(C, S).udp(p, 5353).payload("x").build();
    add("icmp unreachable quoting 3 bytes of UDP is INVALID", List.of(req,
        FrameBuilder.ip(S, C).icmp(3, 3, 0).payload(FrameBuilder.ipPacketOf(req, 23)).build()));

    p = port++;
    req = FrameBuilder.ip(C6, S6).udp(p, 5353).payload("x").build();
    add("icmpv6 unreachable quoting only the UDP ports is RELATED", List.of(req,
        FrameBuilder.ip(S6, C6).icmp(1, 4, 0).payload(FrameBuilder.ipPacketOf(req, 44)).build()));
  }

  private static byte[] tcpWithOptions(TcpFlow f, boolean fromClient, int flags, byte[] options) {
    FrameBuilder b = fromClient
        ? FrameBuilder.ip(f.client, f.server).tcp(f.cport, f.sport, flags).seq(f.cSeq)
            .ack((flags & ACK) != 0 ? f.sSeq : 0)
        : FrameBuilder.ip(f.server, f.client).tcp(f.sport, f.cport, flags).seq(f.sSeq)
            .ack((flags & ACK) != 0 ? f.cSeq : 0);
    return b.window(64240).tcpOptions(options).build();
  }

  /** nf_conntrack_checksum=1: a bad transport checksum is INVALID (and moves no state). */
  private void checksums() {
    TcpFlow f = flow(80);
    add("checksum bad on a TCP SYN is INVALID", List.of(badSum(f.cFrame(SYN, ""))));

    f = flow(80);
    List<byte[]> l = new ArrayList<>(handshake(f));
    l.add(badSum(f.frame(true, Packet.TCP_FIN | ACK, "")));
    l.add(f.cFrame(PA, "still open"));
    add("checksum bad on a FIN leaves the connection ESTABLISHED", l);

    TcpFlow f6 = new TcpFlow(C6, port++, S6, 80);
    add("checksum bad on a TCP SYN over IPv6 is INVALID", List.of(badSum(f6.cFrame(SYN, ""))));

    int p = port++;
    add("checksum bad on UDP is INVALID", List.of(
        badSum(FrameBuilder.ip(C, S).udp(p, 53).payload("q").build())));

    p = port++;
    add("checksum bad on UDP over IPv6 is INVALID", List.of(
        badSum(FrameBuilder.ip(C6, S6).udp(p, 53).payload("q").build())));

    p = port++;
    byte[] none = FrameBuilder.ip(C, S).udp(p, 53).payload("q").build();
    fixUdpChecksumZero(none);
    add("checksum 0 on UDP over IPv4 means none: NEW", List.of(none));

    p = port++;
    byte[] none6 = FrameBuilder.ip(C6, S6).udp(p, 53).payload("q").build();
    none6[14 + 40 + 6] = 0;
    none6[14 + 40 + 7] = 0;
    all.add(new Scenario("checksum 0 on UDP over IPv6", List.of(none6),
        "Linux's conntrack lets UDP checksum 0 pass on IPv6 too (its UDP stack drops it, RFC 8200);"
            + " statewall calls it INVALID", List.of("NEW"), List.of("INVALID")));

    add("checksum bad on an ICMP echo request is INVALID", List.of(
        badSum(FrameBuilder.ip(C, S).echoRequest(0x5151, 1).build())));

    add("checksum bad on an ICMPv6 echo request is INVALID", List.of(
        badSum(FrameBuilder.ip(C6, S6).echoRequest(0x5252, 1).build())));

    p = port++;
    byte[] req = FrameBuilder.ip(C, S).udp(p, 5353).payload("x").build();
    add("checksum bad on an ICMP error is INVALID, not RELATED", List.of(req,
        badSum(FrameBuilder.ip(S, C).icmp(3, 3, 0).payload(FrameBuilder.ipPacketOf(req, 548)).build())));

    p = port++;
    add("checksum good over Ethernet padding: the sum stops at the IP length", List.of(
        padded(FrameBuilder.ip(C, S).udp(p, 53).payload("q").build())));
  }

  /** The frame with its transport checksum broken (TCP, UDP, ICMP or ICMPv6). */
  static byte[] badSum(byte[] frame) {
    Packet p = new io.statewall.netfilter.packet.PacketParser().parse(frame);
    int at = p.l4Offset() + (p.isTcp() ? 16 : p.isUdp() ? 6 : 2);
    byte[] b = frame.clone();
    b[at] ^= 0x5A;
    return b;
  }

  /** Padded to Ethernet's 60-byte minimum with non-zero bytes, as a NIC might leave them. */
  private static byte[] padded(byte[] frame) {
    byte[] b = java.util.Arrays.copyOf(frame, Math.max(60, frame.length + 4));
    java.util.Arrays.fill(b, frame.length, b.length, (byte) 0xA5);
    return b;
  }

  /**
   * nf_defrag before conntrack: a held fragment moves no counter (NONE, not forwarded); the one
   * that completes its datagram shows the datagram's state, and the kernel sends all of them on.
   */
  private void fragments() {
    for (boolean v6 : new boolean[] {false, true}) {
      String c = v6 ? C6 : C;
      String sv = v6 ? S6 : S;
      String ip = v6 ? "IPv6 " : "IPv4 ";
      int id = v6 ? 0x60000 : 0x600;
      byte[] d = udpDatagram(c, sv, port++, 56); // 64 bytes of UDP
      add("fragments " + ip + "in order make one NEW datagram", List.of(
          FrameBuilder.fragment(d, 0, 32, true, id), FrameBuilder.fragment(d, 32, 32, false, id)));

      d = udpDatagram(c, sv, port++, 56);
      add("fragments " + ip + "last first make one NEW datagram", List.of(
          FrameBuilder.fragment(d, 32, 32, false, id + 1), FrameBuilder.fragment(d, 0, 32, true, id + 1)));

      d = udpDatagram(c, sv, port++, 88); // 96 bytes
      add("fragments " + ip + "middle, last, first make one NEW datagram", List.of(
          FrameBuilder.fragment(d, 32, 32, true, id + 2), FrameBuilder.fragment(d, 64, 32, false, id + 2),
          FrameBuilder.fragment(d, 0, 32, true, id + 2)));

      d = udpDatagram(c, sv, port++, 56);
      add("fragments " + ip + "overlapping drop the whole datagram", List.of(
          FrameBuilder.fragment(d, 0, 32, true, id + 3), FrameBuilder.fragment(d, 24, 40, false, id + 3),
          FrameBuilder.fragment(d, 32, 32, false, id + 3)));

      d = udpDatagram(c, sv, port++, 56);
      add("fragments " + ip + "duplicate is dropped alone", List.of(
          FrameBuilder.fragment(d, 0, 32, true, id + 4), FrameBuilder.fragment(d, 0, 32, true, id + 4),
          FrameBuilder.fragment(d, 32, 32, false, id + 4)));

      d = udpDatagram(c, sv, port++, 56);
      add("fragments " + ip + "orphan later fragment is held", List.of(
          FrameBuilder.fragment(d, 32, 32, false, id + 5)));

      d = udpDatagram(c, sv, port++, 56);
      add("fragments " + ip + "orphan first fragment is held", List.of(
          FrameBuilder.fragment(d, 0, 32, true, id + 6)));

      TcpFlow f = v6 ? new TcpFlow(C6, port++, S6, 80) : flow(80);
      byte[] syn = f.cFrame(SYN, "");
      add("fragments " + ip + "tiny first fragment without the whole TCP header", List.of(
          FrameBuilder.fragment(syn, 0, 8, true, id + 7), FrameBuilder.fragment(syn, 8, 12, false, id + 7)));

      d = udpDatagram(c, sv, port++, 56);
      add("fragments " + ip + "non-last fragment not a multiple of 8", List.of(
          FrameBuilder.fragment(d, 0, 36, true, id + 8), FrameBuilder.fragment(d, 32, 32, false, id + 8)));

      d = badSum(udpDatagram(c, sv, port++, 56));
      add("fragments " + ip + "reassembled with a bad checksum are INVALID", List.of(
          FrameBuilder.fragment(d, 0, 32, true, id + 9), FrameBuilder.fragment(d, 32, 32, false, id + 9)));

      byte[] echo = FrameBuilder.ip(c, sv).echoRequest(0x6161 + (v6 ? 1 : 0), 1).payload(new byte[56]).build();
      add("fragments " + ip + "of an ICMP echo request make one NEW", List.of(
          FrameBuilder.fragment(echo, 0, 32, true, id + 10), FrameBuilder.fragment(echo, 32, 32, false, id + 10)));

      int p = port++;
      byte[] q = FrameBuilder.ip(c, sv).udp(p, 53).payload("q").build();
      byte[] answer = FrameBuilder.ip(sv, c).udp(53, p).payload(new byte[120]).build();
      add("fragments " + ip + "of a reply are ESTABLISHED", List.of(q,
          FrameBuilder.fragment(answer, 0, 64, true, id + 11), FrameBuilder.fragment(answer, 64, 64, false, id + 11)));
    }
  }

  private static byte[] udpDatagram(String src, String dst, int sport, int payload) {
    byte[] data = new byte[payload];
    for (int i = 0; i < payload; i++) {
      data[i] = (byte) ('a' + i % 26);
    }
    return FrameBuilder.ip(src, dst).udp(sport, 5353).payload(data).build();
  }

  private void udpIcmp() {
    int p = port++;
    add("udp single datagram is unreplied", List.of(
        FrameBuilder.ip(C, S).udp(p, 53).payload("q").build()));

    p = port++;
    add("udp request and reply", List.of(
        FrameBuilder.ip(C, S).udp(p, 53).payload("q").build(),
        FrameBuilder.ip(S, C).udp(53, p).payload("a").build(),
        FrameBuilder.ip(C, S).udp(p, 53).payload("q2").build()));

    p = port++;
    byte[] bad = FrameBuilder.ip(C, S).udp(p, 53).payload("query").build();
    bad[14 + 20 + 4] = 0;
    bad[14 + 20 + 5] = 60; // UDP length beyond the datagram
    fixUdpChecksumZero(bad);
    add("udp length field beyond the packet is invalid", List.of(bad));

    add("icmp echo request and reply", List.of(
        FrameBuilder.ip(C, S).echoRequest(0x1234, 1).build(),
        FrameBuilder.ip(S, C).echoReply(0x1234, 1).build()));

    add("icmp echo reply alone is invalid", List.of(
        FrameBuilder.ip(C, S).echoReply(0x2222, 1).build()));

    add("icmp type above 18 is invalid", List.of(
        FrameBuilder.ip(C, S).icmp(30, 0, 0).build()));

    add("icmp timestamp request creates an entry", List.of(
        FrameBuilder.ip(C, S).icmp(13, 0, (0x3333 << 16) | 1).payload(new byte[12]).build()));

    p = port++;
    byte[] req = FrameBuilder.ip(C, S).udp(p, 5353).payload("x").build();
    add("icmp unreachable to the sender is RELATED", List.of(req,
        FrameBuilder.ip(S, C).icmp(3, 3, 0).payload(FrameBuilder.ipPacketOf(req, 548)).build()));

    p = port++;
    req = FrameBuilder.ip(C, S).udp(p, 5353).payload("x").build();
    add("icmp unreachable to another host is INVALID", List.of(req,
        FrameBuilder.ip(S, X).icmp(3, 3, 0).payload(FrameBuilder.ipPacketOf(req, 548)).build()));

    p = port++;
    req = FrameBuilder.ip(C, S).udp(p, 5353).payload("x").build();
    add("icmp unreachable quoting nothing tracked is INVALID", List.of(
        FrameBuilder.ip(S, C).icmp(3, 3, 0).payload(FrameBuilder.ipPacketOf(req, 548)).build()));

    TcpFlow f = flow(80);
    byte[] syn = f.cFrame(SYN, "");
    add("icmp time exceeded from a router for a TCP SYN is RELATED", List.of(syn,
        FrameBuilder.ip(X, C).icmp(11, 0, 0).payload(FrameBuilder.ipPacketOf(syn, 28)).build()));

    add("icmpv6 echo request and reply", List.of(
        FrameBuilder.ip(C6, S6).echoRequest(0x4444, 1).build(),
        FrameBuilder.ip(S6, C6).echoReply(0x4444, 1).build()));

    p = port++;
    req = FrameBuilder.ip(C6, S6).udp(p, 5353).payload("x").build();
    add("icmpv6 unreachable quoting a tracked flow is RELATED", List.of(req,
        FrameBuilder.ip(S6, C6).icmp(1, 4, 0).payload(FrameBuilder.ipPacketOf(req, 1232)).build()));

    add("other protocol is tracked generically", List.of(
        FrameBuilder.ip(C, S).protocol(253).payload("opaque").build(),
        FrameBuilder.ip(S, C).protocol(253).payload("opaque").build()));
  }

  private static void fixUdpChecksumZero(byte[] frame) {
    frame[14 + 20 + 6] = 0;
    frame[14 + 20 + 7] = 0; // no checksum: the kernel judges the length, not the sum
  }

  /** Handshake plus banner/USER/331/PASS/230: both directions now parse at line starts. */
  private static List<byte[]> login(TcpFlow f) {
    List<byte[]> l = handshake(f);
    l.add(f.sFrame(PA, "220 ready\r\n"));
    l.add(f.cFrame(PA, "USER anonymous\r\n"));
    l.add(f.sFrame(PA, "331 password please\r\n"));
    l.add(f.cFrame(PA, "PASS x\r\n"));
    l.add(f.sFrame(PA, "230 logged in\r\n"));
    return l;
  }

  private void ftpCase(String name, String fromClient, String fromServer) {
    ftpCase(name, fromClient, fromServer, null);
  }

  private void ftpCase(String name, String fromClient, String fromServer, String deliberate) {
    TcpFlow f = flow(21);
    List<byte[]> l = login(f);
    if (fromClient != null) {
      l.add(f.cFrame(PA, fromClient));
    }
    if (fromServer != null) {
      l.add(f.sFrame(PA, fromServer));
    }
    all.add(new Scenario(name, l, deliberate));
  }

  private void ftp() {
    // 5001 = 19*256+137
    TcpFlow f = flow(21);
    List<byte[]> l = login(f);
    l.add(f.cFrame(PA, "PORT 10,9,2,1,19,137\r\n"));
    l.add(f.sFrame(PA, "200 PORT ok\r\n"));
    TcpFlow data = new TcpFlow(S, 20, C, 5001);
    l.add(data.cFrame(SYN, ""));
    l.add(data.sFrame(SA, ""));
    add("ftp PORT expects the active data connection, which is RELATED", l);

    f = flow(21);
    l = login(f);
    l.add(f.cFrame(PA, "PASV\r\n"));
    l.add(f.sFrame(PA, "227 Entering Passive Mode (10,9,1,2,19,138).\r\n"));
    data = new TcpFlow(C, port++, S, 5002);
    l.add(data.cFrame(SYN, ""));
    l.add(data.sFrame(SA, ""));
    l.add(data.cFrame(ACK, ""));
    add("ftp 227 expects the passive data connection, which is RELATED", l);

    ftpCase("ftp EPRT IPv4 expects", "EPRT |1|10.9.2.1|5003|\r\n", null);
    ftpCase("ftp 229 expects", null, "229 Entering Extended Passive Mode (|||5004|)\r\n");
    ftpCase("ftp 227 without parentheses expects", null, "227 Entering Passive Mode 10,9,1,2,19,140\r\n");
    ftpCase("ftp lower-case port expects", "port 10,9,2,1,19,141\r\n", null);
    ftpCase("ftp PORT naming another host passes without expectation (bounce)",
        "PORT 10,9,3,7,19,142\r\n", null);
    ftpCase("ftp 227 naming another host passes without expectation",
        null, "227 Entering Passive Mode (10,9,3,7,19,143)\r\n");
    ftpCase("ftp PORT without carriage return is dropped", "PORT 10,9,2,1,19,144\n", null);
    ftpCase("ftp PORT prefix only is dropped", "PO", null);
    ftpCase("ftp PORT with five numbers is dropped", "PORT 10,9,2,1,19\r\n", null);
    ftpCase("ftp PORT with letters is dropped", "PORT 10,9,2,x,19,145\r\n", null);
    ftpCase("ftp EPRT with a digit delimiter is dropped", "EPRT 1110.9.2.1150031\r\n", null);
    ftpCase("ftp EPRT with port 0 is dropped", "EPRT |1|10.9.2.1|0|\r\n", null);
    ftpCase("ftp 229 with bad delimiters is dropped", null, "229 Entering Extended Passive Mode (|x|5005|)\r\n");
    ftpCase("ftp 229 without parenthesis is dropped", null, "229 Entering Extended Passive Mode |||5006|\r\n");
    ftpCase("ftp 229 without closing parenthesis still expects", null, "229 Extended Passive (|||5007|\r\n");
    ftpCase("ftp EPRT without carriage return still expects", "EPRT |1|10.9.2.1|5008|", null);
    ftpCase("ftp PORT from the server is not looked at", null, "PORT 10,9,1,2,19,146\r\n");
    ftpCase("ftp 227 from the client is not looked at", "227 Entering Passive Mode (10,9,2,1,19,147)\r\n", null);
    ftpCase("ftp PORT field above 255 is refused, not wrapped", "PORT 10,9,2,1,256,22\r\n", null,
        "Linux 6.18 wraps 256*256+22 to port 22 and expects it; statewall drops the command");
    ftpCase("ftp EPRT port above 65535 is refused, not wrapped", "EPRT |1|10.9.2.1|70000|\r\n", null,
        "Linux 6.18 wraps 70000 to 4464 and expects it; statewall drops the command");
    ftpCase("ftp PORT with hundreds of digits", "PORT 10,9,2,1,19," + "9".repeat(300) + "\r\n", null,
        "Linux wraps the number modulo 2^32 then 2^16; statewall drops the command");

    f = flow(21);
    l = login(f);
    l.add(f.cFrame(PA, "PORT 10,9,2,1,19,150\r\n"));
    l.add(f.sFrame(PA, "200 ok\r\n"));
    l.add(f.cFrame(PA, "PORT 10,9,2,1,19,151\r\n"));
    add("ftp second PORT replaces the first expectation", l);

    f = flow(21);
    l = login(f);
    l.add(f.cFrame(PA, "PORT 10,9,2,"));
    l.add(f.cFrame(PA, "1,19,152\r\n"));
    add("ftp PORT split across two segments", l);

    f = flow(21);
    l = handshake(f);
    l.add(f.cFrame(PA, "PORT 10,9,2,1,19,153\r\n"));
    add("ftp PORT as the first client segment is not parsed", l);

    f = flow(21);
    l = login(f);
    byte[] cmd = f.frame(true, PA, "PORT 10,9,2,1,19,154\r\n");
    f.cSeq += "PORT 10,9,2,1,19,154\r\n".length();
    l.add(cmd);
    l.add(cmd.clone());
    add("ftp retransmitted PORT", l);

    f = flow(21);
    l = login(f);
    l.add(f.cFrame(PA, "NOOP\r\nPORT 10,9,2,1,19,155\r\n"));
    add("ftp PORT not at the segment start is not parsed", l);

    f = flow(21);
    l = login(f);
    l.add(f.cFrame(PA, "PORT " + "1".repeat(1200) + "\r\n"));
    add("ftp PORT with a 1200-digit number is dropped", l);

    f = flow(21);
    l = login(f);
    l.add(f.cFrame(PA, "PORT \u00e9\u00e9,9,2,1,19,156\r\n"));
    add("ftp PORT with non-ASCII bytes is dropped", l);

    TcpFlow f6 = new TcpFlow(C6, port++, S6, 21);
    l = login(f6);
    l.add(f6.cFrame(PA, "EPRT |2|fd00:2::1|5009|\r\n"));
    l.add(f6.sFrame(PA, "229 Entering Extended Passive Mode (|||5010|)\r\n"));
    add("ftp over IPv6: EPRT then 229", l);

    f6 = new TcpFlow(C6, port++, S6, 21);
    l = login(f6);
    l.add(f6.cFrame(PA, "EPRT |1|10.9.2.1|5011|\r\n"));
    add("ftp EPRT IPv4 on an IPv6 connection is dropped", l);
  }
}
