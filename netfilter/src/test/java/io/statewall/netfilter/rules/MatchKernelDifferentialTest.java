package io.statewall.netfilter.rules;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.statewall.netfilter.Namespaces;
import io.statewall.netfilter.conntrack.CtConfig;
import io.statewall.netfilter.conntrack.ShardedConnTracker;
import io.statewall.netfilter.judge.Judge;
import io.statewall.netfilter.packet.Family;
import io.statewall.netfilter.packet.FrameBuilder;
import io.statewall.netfilter.packet.IpAddress;
import io.statewall.netfilter.packet.PacketParser;
import io.statewall.netfilter.policy.PathContext;
import io.statewall.netfilter.policy.Policy;
import io.statewall.netfilter.policy.PolicyHolder;
import io.statewall.netfilter.policy.PolicyLoader;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.IntFunction;
import java.util.stream.IntStream;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The matches that decide verdicts, differential against Linux: each scenario's rules are a host's
 * INPUT, loaded into namespace B's kernel (iptables-legacy) and into a statewall policy for B's
 * address; the same frames go to both, and per frame the verdict must be the same. The kernel's
 * verdict is read from counting rules in mangle INPUT (before filter) and security INPUT (after).
 * Needs root, iproute2, iptables-legacy, conntrack and Debian's python3.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class MatchKernelDifferentialTest {
  static final String A = "10.9.0.1";
  static final String B = "10.9.0.2";
  static final String A6 = "fd00:9::1";
  static final String B6 = "fd00:9::2";
  static final long MAC_A = 0x0200_0000_0001L;
  static final long MAC_B = 0x0200_0000_0002L;
  private static final String COUNTERS = """
      *mangle
      :INPUT ACCEPT [0:0]
      -A INPUT
      COMMIT
      *security
      :INPUT ACCEPT [0:0]
      -A INPUT
      COMMIT
      """;

  /**
   * One scenario: B's INPUT rules (one family) and the frames A sends, in order; {@code kernelOnly}
   * is more of B's own kernel setup (tables statewall does not need), or "".
   */
  record Scenario(String name, Family family, String inputRules, List<byte[]> frames, String kernelOnly,
      String ipsets) {
    Scenario(String name, Family family, String inputRules, List<byte[]> frames) {
      this(name, family, inputRules, frames, "", "");
    }

    Scenario(String name, Family family, String inputRules, List<byte[]> frames, String kernelOnly) {
      this(name, family, inputRules, frames, kernelOnly, "");
    }

    @Override
    public String toString() {
      return name;
    }

    /** The scenario's rules as a file: {@code inputRules} itself when it is a whole file (ufw's output). */
    String file() {
      if (inputRules.contains("\nCOMMIT")) {
        return inputRules;
      }
      return "*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n" + inputRules.strip()
          + "\nCOMMIT\n";
    }
  }

  private String prefix;
  @TempDir Path dir;

  static FrameBuilder toB(Family fam) {
    return (fam == Family.IPV4 ? FrameBuilder.ip(A, B) : FrameBuilder.ip(A6, B6)).macs(MAC_A, MAC_B);
  }

  static List<byte[]> frames(int n, IntFunction<byte[]> frame) {
    return IntStream.range(0, n).mapToObj(frame).toList();
  }

  static List<Scenario> scenarios() {
    List<Scenario> s = new ArrayList<>();
    int[] ttls = {1, 4, 5, 63, 64, 65, 127, 128, 255};
    s.add(new Scenario("ttl: lt, eq, gt and ! eq", Family.IPV4, """
        -A INPUT -p udp -m ttl --ttl-lt 5 -j DROP
        -A INPUT -p udp -m ttl --ttl-eq 64 -j ACCEPT
        -A INPUT -p udp -m ttl --ttl-gt 127 -j DROP
        -A INPUT -p udp -m ttl ! --ttl-eq 65 -j DROP
        """, frames(ttls.length, i -> toB(Family.IPV4).ttl(ttls[i]).udp(41000 + i, 5000).payload("t").build())));
    s.add(new Scenario("hl: lt, eq, gt and ! eq", Family.IPV6, """
        -A INPUT -p udp -m hl --hl-lt 5 -j DROP
        -A INPUT -p udp -m hl --hl-eq 64 -j ACCEPT
        -A INPUT -p udp -m hl --hl-gt 127 -j DROP
        -A INPUT -p udp -m hl ! --hl-eq 65 -j DROP
        """, frames(ttls.length, i -> toB(Family.IPV6).ttl(ttls[i]).udp(41000 + i, 5000).payload("h").build())));
    s.add(new Scenario("statistic nth: every 3 from packet 1, counting only packets that reach it", Family.IPV4, """
        -A INPUT -p udp --dport 5001 -m statistic --mode nth --every 3 --packet 1 -j DROP
        """, frames(10, i -> toB(Family.IPV4).udp(42000, i % 4 == 3 ? 5002 : 5001).payload("n" + i).build())));
    s.add(new Scenario("statistic nth inverted, IPv6", Family.IPV6, """
        -A INPUT -p udp -m statistic --mode nth ! --every 2 --packet 0 -j DROP
        """, frames(5, i -> toB(Family.IPV6).udp(42000, 5001).payload("n" + i).build())));
    s.add(new Scenario("statistic random: probability 0, 1 and inverted 1", Family.IPV4, """
        -A INPUT -p udp --dport 5003 -m statistic --mode random --probability 0 -j DROP
        -A INPUT -p udp --dport 5004 -m statistic --mode random --probability 1 -j DROP
        -A INPUT -p udp --dport 5005 -m statistic --mode random ! --probability 1 -j DROP
        """, frames(9, i -> toB(Family.IPV4).udp(43000 + i, 5003 + i % 3).payload("r").build())));
    byte[][] options = {
        {},
        {2, 4, 0x05, (byte) 0xb4},
        {1, 1, 1, 0},
        {1, 3, 3, 7},
        {2, 4, 0x05, (byte) 0xb4, 8, 10, 0, 0, 0, 1, 0, 0, 0, 0, 1, 1},
        {1, 1, 8, 0},
        {0, 8, 10, 0},
        {(byte) 254, 0, 1, 1}};
    for (Family fam : Family.values()) {
      s.add(new Scenario("tcp-option: kinds found by walking the option list (" + fam.tool() + ")", fam, """
          -A INPUT -p tcp --dport 5010 ! --tcp-option 2 -j DROP
          -A INPUT -p tcp --dport 5011 --tcp-option 8 -j DROP
          -A INPUT -p tcp --dport 5012 --tcp-option 254 -j DROP
          -A INPUT -p tcp --dport 5012 ! --tcp-option 1 -j DROP
          """, frames(options.length * 3, i -> toB(fam).tcp(44000 + i, 5010 + i % 3, 0x02)
              .tcpOptions(options[i / 3]).build())));
    }
    for (Family fam : Family.values()) {
      s.add(new Scenario("sctp: ports and chunk types any, all, only with flags (" + fam.tool() + ")", fam, """
          -A INPUT -p sctp --dport 6001 --chunk-types any DATA:Be,ABORT:T -j DROP
          -A INPUT -p sctp --dport 6002 --chunk-types all INIT,COOKIE_ECHO -j DROP
          -A INPUT -p sctp --dport 6003 ! --chunk-types only DATA,SACK -j DROP
          -A INPUT -p sctp -m sctp --sport 1000:2000 --dport 6004 -j DROP
          -A INPUT -p sctp ! --dport 6001:6004 -j DROP
          """, List.of(
              sctp(fam, 5000, 6001, DATA, 0x02), sctp(fam, 5000, 6001, DATA, 0x03), sctp(fam, 5000, 6001, ABORT, 0x01),
              sctp(fam, 5000, 6001, INIT, 0), sctp(fam, 5000, 6001, INIT, 0, DATA, 0x06),
              sctp(fam, 5000, 6002, INIT, 0, COOKIE_ECHO, 0), sctp(fam, 5000, 6002, INIT, 0),
              sctp(fam, 5000, 6003, DATA, 0, SACK, 0), sctp(fam, 5000, 6003, DATA, 0, INIT, 0),
              sctp(fam, 1500, 6004, INIT, 0), sctp(fam, 2500, 6004, INIT, 0), sctp(fam, 5000, 7000, INIT, 0))));
    }
    s.add(new Scenario("rt: type, segments left, length, reserved field, strict and loose address lists", Family.IPV6, """
        -A INPUT -m rt --rt-type 0 --rt-0-res --rt-0-addrs 2001:db8::1 -j DROP
        -A INPUT -m rt --rt-type 0 --rt-segsleft 2:3 -j DROP
        -A INPUT -m rt --rt-type 0 --rt-0-addrs 2001:db8::2,2001:db8::4 --rt-0-not-strict -j DROP
        -A INPUT -m rt ! --rt-type 2 --rt-len 8 -j DROP
        -A INPUT -m rt --rt-type 2 ! --rt-segsleft 1 -j DROP
        """, List.of(
            routed(false, 0, 1, 0, "2001:db8::1"), routed(false, 0, 1, 7, "2001:db8::1"),
            routed(false, 0, 1, 0, "2001:db8::1", "2001:db8::9"), routed(false, 0, 2, 5, "2001:db8::9"),
            routed(false, 0, 4, 5, "2001:db8::9"), routed(false, 0, 1, 5, "2001:db8::2", "2001:db8::3", "2001:db8::4"),
            routed(false, 0, 1, 5, "2001:db8::4", "2001:db8::2"), routed(false, 4, 0, 0), routed(false, 2, 0, 0),
            routed(false, 2, 1, 0), routed(true, 2, 3, 0), routed(true, 0, 1, 0, "2001:db8::1"),
            toB(Family.IPV6).udp(45000, 5000).payload("plain").build())));
    for (Family fam : Family.values()) {
      // B answers SYNs to closed ports with RSTs, which would close the connections in its conntrack:
      // left untracked, they leave them in SYN_SENT as in statewall's, which never sees B's answers
      s.add(new Scenario("connlimit: SYNs beyond the limit per source, per /24 and per destination ("
          + fam.tool() + ")", fam, """
          -A INPUT -p tcp --syn --dport 7000 -m connlimit --connlimit-above 2 -j DROP
          -A INPUT -p tcp --syn --dport 7001 -m connlimit --connlimit-upto 1 --connlimit-mask 24 -j ACCEPT
          -A INPUT -p tcp --syn --dport 7001 -j DROP
          -A INPUT -p tcp --syn --dport 7002 -m connlimit --connlimit-above 1 --connlimit-daddr -j DROP
          """, List.of(syn(fam, 46000, 7000), syn(fam, 46001, 7000), syn(fam, 46002, 7000), syn(fam, 46003, 7000),
              syn(fam, 46000, 7000), syn(fam, 46010, 7001), syn(fam, 46011, 7001), syn(fam, 46020, 7002),
              syn(fam, 46021, 7002), syn(fam, 46020, 7002)),
          "*raw\n:OUTPUT ACCEPT [0:0]\n-A OUTPUT -p tcp --tcp-flags RST RST -j NOTRACK\nCOMMIT\n"));
      // (no retransmitted SYN: the kernel's --ctexpire then depends on the jiffies between the frames, which this replay does not reproduce)
      s.add(new Scenario("conntrack --ctexpire: 0 before confirmation, the state's timeout after (" + fam.tool()
          + ")", fam, """
          -A INPUT -p udp --dport 7100 -m conntrack --ctexpire 30 -j DROP
          -A INPUT -p udp --dport 7101 -m conntrack ! --ctexpire 0 -j DROP
          -A INPUT -p tcp --dport 7102 -m conntrack ! --ctexpire 0 -j DROP
          """, List.of(toB(fam).udp(47000, 7100).payload("a").build(), toB(fam).udp(47000, 7100).payload("b").build(),
              toB(fam).udp(47000, 7100).payload("c").build(), toB(fam).udp(47001, 7101).payload("a").build(),
              toB(fam).udp(47001, 7101).payload("b").build(), syn(fam, 47002, 7102)),
          "*raw\n:OUTPUT ACCEPT [0:0]\n-A OUTPUT -p tcp --tcp-flags RST RST -j NOTRACK\nCOMMIT\n"));
    }
    for (Family fam : Family.values()) {
      s.add(new Scenario("hashlimit: a burst of 3 per source port, above and upto, packets and bytes ("
          + fam.tool() + ")", fam, """
          -A INPUT -p udp --dport 7200 -m hashlimit --hashlimit-upto 1/min --hashlimit-burst 3 --hashlimit-mode srcport --hashlimit-name p -j ACCEPT
          -A INPUT -p udp --dport 7200 -j DROP
          -A INPUT -p udp --dport 7201 -m hashlimit --hashlimit-above 1/hour --hashlimit-burst 2 --hashlimit-mode srcip,dstport --hashlimit-name q -j DROP
          -A INPUT -p udp --dport 7202 -m hashlimit --hashlimit-upto 1kb/s --hashlimit-burst 2kb --hashlimit-name r -j ACCEPT
          -A INPUT -p udp --dport 7202 -j DROP
          """, List.of(udp(fam, 48000, 7200, 10), udp(fam, 48000, 7200, 10), udp(fam, 48001, 7200, 10),
              udp(fam, 48000, 7200, 10), udp(fam, 48000, 7200, 10), udp(fam, 48001, 7200, 10),
              udp(fam, 48002, 7201, 10), udp(fam, 48003, 7201, 10), udp(fam, 48004, 7201, 10),
              udp(fam, 48005, 7202, 1000), udp(fam, 48005, 7202, 1000), udp(fam, 48005, 7202, 1000))));
    }
    s.add(new Scenario("addrtype (IPv4): LOCAL, the subnet's and the limited BROADCAST, MULTICAST, ! UNICAST, "
        + "--limit-iface-in, and the types only other routes give", Family.IPV4, """
        -A INPUT -p udp --dport 7400 -m addrtype --dst-type LOCAL -j ACCEPT
        -A INPUT -p udp --dport 7400 -j DROP
        -A INPUT -p udp --dport 7401 -m addrtype --dst-type BROADCAST -j DROP
        -A INPUT -p udp --dport 7402 -m addrtype --dst-type MULTICAST -j DROP
        -A INPUT -p udp --dport 7403 -m addrtype ! --src-type UNICAST -j DROP
        -A INPUT -p udp --dport 7404 -m addrtype --dst-type LOCAL --limit-iface-in -j DROP
        -A INPUT -p udp --dport 7405 -m addrtype --dst-type UNSPEC,ANYCAST,BLACKHOLE,UNREACHABLE,PROHIBIT,THROW,NAT,XRESOLVE -j DROP
        -A INPUT -p udp --dport 7405 -m addrtype --src-type UNSPEC,ANYCAST,BLACKHOLE,UNREACHABLE,PROHIBIT,THROW,NAT,XRESOLVE -j DROP
        -A INPUT -p udp --dport 7406 -m addrtype --src-type UNICAST --dst-type BROADCAST -j ACCEPT
        -A INPUT -p udp --dport 7406 -j DROP
        """, List.of(udpTo(A, B, MAC_B, 7400), udpTo(A, SUBNET_BROADCAST, BROADCAST_MAC, 7400),
            udpTo(A, "255.255.255.255", BROADCAST_MAC, 7400), udpTo(A, "224.0.0.1", 0x0100_5e00_0001L, 7400),
            udpTo(A, SUBNET_BROADCAST, BROADCAST_MAC, 7401), udpTo(A, "255.255.255.255", BROADCAST_MAC, 7401),
            udpTo("0.0.0.0", "255.255.255.255", BROADCAST_MAC, 7401), udpTo(A, B, MAC_B, 7401),
            udpTo(A, "224.0.0.1", 0x0100_5e00_0001L, 7402), udpTo(A, B, MAC_B, 7402),
            udpTo(A, B, MAC_B, 7403), udpTo("10.9.0.7", B, MAC_B, 7403), udpTo("0.0.0.0", "255.255.255.255", BROADCAST_MAC, 7403),
            udpTo(A, B, MAC_B, 7404), udpTo(A, SUBNET_BROADCAST, BROADCAST_MAC, 7404),
            udpTo(A, B, MAC_B, 7405), udpTo(A, SUBNET_BROADCAST, BROADCAST_MAC, 7405),
            udpTo(A, SUBNET_BROADCAST, BROADCAST_MAC, 7406), udpTo(A, B, MAC_B, 7406),
            udpTo("0.0.0.0", "255.255.255.255", BROADCAST_MAC, 7406))));
    s.add(new Scenario("addrtype (IPv6): LOCAL, MULTICAST, UNICAST, UNSPEC and --limit-iface-in, conditions ANDed",
        Family.IPV6, """
        -A INPUT -p udp --dport 7410 -m addrtype --dst-type LOCAL -j ACCEPT
        -A INPUT -p udp --dport 7410 -j DROP
        -A INPUT -p udp --dport 7411 -m addrtype --dst-type MULTICAST -j DROP
        -A INPUT -p udp --dport 7412 -m addrtype --src-type UNICAST -j ACCEPT
        -A INPUT -p udp --dport 7412 -j DROP
        -A INPUT -p udp --dport 7413 -m addrtype --dst-type LOCAL --limit-iface-in -j DROP
        -A INPUT -p udp --dport 7414 -m addrtype --src-type UNSPEC -j DROP
        -A INPUT -p udp --dport 7415 -m addrtype --dst-type LOCAL,MULTICAST -j DROP
        -A INPUT -p udp --dport 7416 -m addrtype ! --dst-type UNICAST,LOCAL -j DROP
        """, List.of(udpTo(A6, B6, MAC_B, 7410), udpTo(A6, "ff02::1", 0x3333_0000_0001L, 7410),
            udpTo(A6, "ff02::1", 0x3333_0000_0001L, 7411), udpTo(A6, B6, MAC_B, 7411),
            udpTo(A6, B6, MAC_B, 7412), udpTo("::", B6, MAC_B, 7412),
            udpTo(A6, B6, MAC_B, 7413), udpTo(A6, "ff02::1", 0x3333_0000_0001L, 7413),
            udpTo("::", B6, MAC_B, 7414), udpTo(A6, B6, MAC_B, 7414),
            udpTo(A6, B6, MAC_B, 7415), udpTo(A6, "ff02::1", 0x3333_0000_0001L, 7415),
            udpTo(A6, B6, MAC_B, 7416), udpTo(A6, "ff02::1", 0x3333_0000_0001L, 7416))));
    for (Family fam : Family.values()) {
      // ufw 0.36's real output (ufw enable, ufw limit 22/tcp, ufw allow 80/tcp): the limit on SSH (-m recent,
      // 6 new connections in 30 s), allow 80, ICMP echo, the default deny, INVALID, and on IPv4 ufw-not-local's
      // and ufw-after-input's addrtype tests (all-hosts multicast, broadcasts, DHCP). Multicast only to groups B
      // has joined: the kernel routes no other to INPUT. The IPv6 file, as captured, has empty ufw6-user-limit
      // chains, so its SSH rule falls through to the DROP policy, in the kernel and here alike.
      List<byte[]> f = new ArrayList<>();
      for (int i = 0; i < 8; i++) {
        f.add(syn(fam, 50000 + i, 22));
      }
      f.add(syn(fam, 50100, 80));
      f.add(syn(fam, 50101, 23));
      f.add(toB(fam).tcp(50102, 80, 0x01).seq(5000).build());
      f.add(toB(fam).echoRequest(7, 1).build());
      f.add(udp(fam, 50103, 9999, 10));
      if (fam == Family.IPV4) {
        f.add(udpTo(A, "224.0.0.1", 0x0100_5e00_0001L, 9999));
        f.add(udpTo(A, SUBNET_BROADCAST, BROADCAST_MAC, 9999));
        f.add(udpTo(A, "255.255.255.255", BROADCAST_MAC, 9999));
        f.add(FrameBuilder.ip("10.9.0.1", "255.255.255.255").macs(MAC_A, BROADCAST_MAC).udp(67, 68).payload("d").build());
      } else {
        f.add(udpTo(A6, "ff02::1", 0x3333_0000_0001L, 9999));
      }
      s.add(new Scenario("ufw's generated rules, enforced (" + fam.tool() + ")", fam,
          corpus(fam == Family.IPV4 ? "good/ufw-generated.rules" : "good/ufw-generated.rules6"), f,
          "*raw\n:OUTPUT ACCEPT [0:0]\n-A OUTPUT -p tcp --tcp-flags RST RST -j NOTRACK\nCOMMIT\n"));
    }
    s.add(new Scenario("set: hash:ip, hash:net with nomatch and --return-nomatch, hash:ip,port, bitmap:port, list:set",
        Family.IPV4, """
        -A INPUT -p udp --dport 7300 -m set --match-set any src -j DROP
        -A INPUT -p udp --dport 7301 -m set --match-set nets src --return-nomatch -j DROP
        -A INPUT -p udp -m set --match-set svc dst,dst -j DROP
        -A INPUT -p udp --dport 7303 -m set ! --match-set low src -j DROP
        """, List.of(udp(Family.IPV4, 48100, 7300, 1), udp(Family.IPV4, 48101, 7301, 1), udp(Family.IPV4, 48102, 7302, 1),
            udp(Family.IPV4, 48103, 7303, 1), udp(Family.IPV4, 1000, 7303, 1), udp(Family.IPV4, 48104, 7304, 1)), "", """
        create bad hash:ip family inet hashsize 1024 maxelem 65536
        add bad 10.9.0.1
        create nets hash:net family inet hashsize 1024 maxelem 65536
        add nets 10.9.0.0/16
        add nets 10.9.0.0/24 nomatch
        create svc hash:ip,port family inet hashsize 1024 maxelem 65536
        add svc 10.9.0.2,udp:7302
        create low bitmap:port range 0-1023
        add low 1000
        create any list:set size 8
        add any nets
        add any bad
        """));
    for (Family fam : Family.values()) {
      s.add(new Scenario("string: plain, hex, case-insensitive, from/to window, inverted (" + fam.tool() + ")", fam, """
          -A INPUT -p udp --dport 7400 -m string --algo bm --string "GET /admin" -j DROP
          -A INPUT -p udp --dport 7401 -m string --algo kmp --hex-string "|00ff|x" -j DROP
          -A INPUT -p udp --dport 7402 -m string --algo bm --string "secret" --icase -j DROP
          -A INPUT -p udp --dport 7403 -m string --algo bm --string "zz" --from 50 --to 60 -j DROP
          -A INPUT -p udp --dport 7404 -m string --algo kmp ! --string "ok" -j DROP
          """, List.of(payload(fam, 7400, "xxGET /adminyy"), payload(fam, 7400, "GET /admi"),
              payload(fam, 7401, "ab\0\u00ffxcd"), payload(fam, 7401, "ab\0\u00fe"), payload(fam, 7402, "a SeCrEt"),
              payload(fam, 7402, "a secre"), payload(fam, 7403, "zz" + "-".repeat(30)),
              payload(fam, 7403, "-".repeat(fam == Family.IPV4 ? 22 : 2) + "zz"), payload(fam, 7404, "all ok"),
              payload(fam, 7404, "all bad"))));
      s.add(new Scenario("time: date windows before, around and after now (" + fam.tool() + ")", fam, """
          -A INPUT -p udp --dport 7500 -m time --datestop 2020-01-01 -j DROP
          -A INPUT -p udp --dport 7501 -m time --datestart 2020-01-01 -j DROP
          -A INPUT -p udp --dport 7502 -m time --datestart 2037-01-01 -j DROP
          -A INPUT -p udp --dport 7503 -m time --timestart 00:00 --timestop 23:59:59 -j DROP
          """, List.of(udp(fam, 48200, 7500, 1), udp(fam, 48201, 7501, 1), udp(fam, 48202, 7502, 1),
              udp(fam, 48203, 7503, 1))));
    }
    return s;
  }

  /** A UDP datagram to B's {@code dport} carrying {@code text} (ISO-8859-1: one byte a character). */
  static byte[] payload(Family fam, int dport, String text) {
    return toB(fam).udp(49000, dport).payload(text).build();
  }

  static byte[] udp(Family fam, int sport, int dport, int bytes) {
    return toB(fam).udp(sport, dport).payload(new byte[bytes]).build();
  }

  static byte[] syn(Family fam, int sport, int dport) {
    return toB(fam).tcp(sport, dport, 0x02).seq(1000).build();
  }

  /**
   * An IPv6 packet to B with a routing header of {@code type}, {@code segs} segments left, the reserved
   * word and {@code addrs}, and no upper layer after it; behind a hop-by-hop header if {@code hopByHop}.
   */
  static byte[] routed(boolean hopByHop, int type, int segs, int reserved, String... addrs) {
    ByteBuffer b = ByteBuffer.allocate((hopByHop ? 8 : 0) + 8 + 16 * addrs.length);
    if (hopByHop) {
      // next header, length 0, then a PadN option filling the 6 bytes
      b.put((byte) 43).put((byte) 0).put((byte) 1).put((byte) 4).putInt(0);
    }
    b.put((byte) 59).put((byte) (2 * addrs.length)).put((byte) type).put((byte) segs).putInt(reserved);
    for (String a : addrs) {
      b.put(IpAddress.parse(a).toBytes());
    }
    byte[] f = toB(Family.IPV6).protocol(59).payload(b.array()).build();
    f[14 + 6] = (byte) (hopByHop ? 0 : 43);
    return f;
  }

  /** A file of the rules corpus, as the test resources hold it. */
  static String corpus(String name) {
    try (var in = MatchKernelDifferentialTest.class.getResourceAsStream("corpus/" + name)) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  static final String SUBNET_BROADCAST = "10.9.0.255";
  static final long BROADCAST_MAC = 0xFFFF_FFFF_FFFFL;

  /** A UDP datagram from {@code src} to {@code dst} in a frame to {@code dstMac}, sent on A's side of the link. */
  static byte[] udpTo(String src, String dst, long dstMac, int dport) {
    return FrameBuilder.ip(src, dst).macs(MAC_A, dstMac).udp(49000, dport).payload("addr").build();
  }

  static final int DATA = 0;
  static final int INIT = 1;
  static final int SACK = 3;
  static final int ABORT = 6;
  static final int COOKIE_ECHO = 10;

  /** An SCTP packet to B whose chunks are (type, flags) pairs, each 4 bytes of header and 4 of value. */
  static byte[] sctp(Family fam, int sport, int dport, int... chunks) {
    ByteBuffer b = ByteBuffer.allocate(12 + chunks.length / 2 * 8);
    b.putShort((short) sport).putShort((short) dport).putInt(0x1234_5678).putInt(0);
    for (int i = 0; i < chunks.length; i += 2) {
      b.put((byte) chunks[i]).put((byte) chunks[i + 1]).putShort((short) 8).putInt(i);
    }
    CRC32C crc = new CRC32C();
    crc.update(b.array());
    // the CRC32c goes into the header least significant byte first (RFC 9260, appendix A)
    b.order(ByteOrder.LITTLE_ENDIAN).putInt(8, (int) crc.getValue());
    return toB(fam).protocol(132).payload(b.array()).build();
  }

  @BeforeAll
  void namespaces() throws IOException {
    assumeTrue(Namespaces.canRun("/usr/sbin/conntrack", "/usr/sbin/iptables-legacy-restore"),
        "needs root, ip, iptables-legacy, conntrack and /usr/bin/python3");
    prefix = "swm" + Integer.toHexString(ThreadLocalRandom.current().nextInt(0x1000, 0xFFFF));
    String a = prefix + "a";
    String b = prefix + "b";
    try {
      Namespaces.run(true, "ip", "netns", "add", a);
      Namespaces.run(true, "ip", "netns", "add", b);
      Namespaces.run(true, "ip", "link", "add", prefix + "x", "netns", a, "address", "02:00:00:00:00:01", "type", "veth",
          "peer", "name", prefix + "y", "netns", b, "address", "02:00:00:00:00:02");
      Namespaces.run(true, "ip", "netns", "exec", a, "sh", "-c", "sysctl -qw net.ipv6.conf.all.disable_ipv6=1 && ip link set "
          + prefix + "x up");
      String y = prefix + "y";
      Namespaces.run(true, "ip", "netns", "exec", b, "sh", "-c", String.join(" && ",
          "sysctl -qw net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.default.rp_filter=0",
          "ip link set lo up", "ip link set " + y + " up", "ip addr add " + B + "/24 dev " + y,
          "ip -6 addr add " + B6 + "/64 dev " + y + " nodad",
          "ip neigh add " + A + " lladdr 02:00:00:00:00:01 dev " + y + " nud permanent",
          "ip -6 neigh add " + A6 + " lladdr 02:00:00:00:00:01 dev " + y + " nud permanent"));
    } catch (IOException | RuntimeException e) {
      tearDown();
      throw e;
    }
  }

  @AfterAll
  void tearDown() throws IOException {
    if (prefix != null) {
      Namespaces.run(false, "ip", "netns", "del", prefix + "a");
      Namespaces.run(false, "ip", "netns", "del", prefix + "b");
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("scenarios")
  void sameVerdictsAsLinux(Scenario sc) throws Exception {
    List<String> kernel = kernel(sc);
    List<String> ours = statewall(sc);
    assertThat(ours).as("statewall per frame (kernel: %s)", kernel).isEqualTo(kernel);
    assertThat(kernel).as("the kernel judged every frame").doesNotContain("-");
    assertThat(kernel).as("a scenario that tells accepting from dropping").contains("0", "1");
  }

  private List<String> statewall(Scenario sc) throws Exception {
    Path rules = Files.writeString(dir.resolve("b.rules"), sc.file());
    Path sets = Files.writeString(dir.resolve("sets.ipset"), sc.ipsets());
    Path yaml = Files.writeString(dir.resolve("policy.yaml"), (sc.ipsets().isEmpty() ? "" : "ipsets: [" + sets + "]\n")
        + "hosts:\n  - address: [" + B + ", " + B6 + "]\n    "
        + (sc.family() == Family.IPV4 ? "rules" : "rules6") + ": " + rules + "\n");
    Policy policy = new PolicyLoader().load(yaml);
    ShardedConnTracker tracker = new ShardedConnTracker(CtConfig.defaults(), InstantSource.system(), List.of());
    Judge judge = new Judge(new PolicyHolder(policy), tracker,
        (pol, p) -> new PathContext(pol.hostFor(p.src()), pol.hostFor(p.dst()), null, null));
    PacketParser parser = new PacketParser();
    String receiver = policy.hostFor(IpAddress.parse(B));
    List<String> out = new ArrayList<>();
    for (byte[] f : sc.frames()) {
      var p = parser.parse(f);
      // every frame goes to B, a broadcast or multicast one too (B is its receiver, as on the veth)
      out.add(judge.judge(p, new PathContext(policy.hostFor(p.src()), receiver, null, null)).accepted() ? "1" : "0");
    }
    return out;
  }

  private List<String> kernel(Scenario sc) throws Exception {
    String b = prefix + "b";
    String tool = sc.family() == Family.IPV4 ? "iptables" : "ip6tables";
    String other = sc.family() == Family.IPV4 ? "ip6tables" : "iptables";
    Path file = Files.writeString(dir.resolve("kernel.rules"), sc.file() + COUNTERS + sc.kernelOnly());
    Path open = Files.writeString(dir.resolve("open.rules"), "*filter\n:INPUT ACCEPT [0:0]\nCOMMIT\n" + COUNTERS);
    Path sets = Files.writeString(dir.resolve("kernel.ipset"), sc.ipsets());
    if (!sc.ipsets().isEmpty()) {
      assumeTrue(Files.isExecutable(Paths.get("/usr/sbin/ipset")), "-m set needs ipset");
    }
    String loadSets = sc.ipsets().isEmpty() ? "" : "ipset restore < " + sets + " && ";
    Namespaces.run(true, "ip", "netns", "exec", b, "sh", "-c", "iptables-legacy -F; ip6tables-legacy -F; ipset destroy 2>/dev/null; "
        + loadSets + tool + "-legacy-restore < " + file + " && " + other
        + "-legacy-restore < " + open + " && (conntrack -F; conntrack -F -f ipv6) >/dev/null 2>&1; true");
    List<String> lines = new ArrayList<>();
    HexFormat hex = HexFormat.of();
    sc.frames().forEach(f -> lines.add("P " + hex.formatHex(f)));
    Path in = Files.write(dir.resolve("frames.txt"), lines);
    Path script = Paths.get(MatchKernelDifferentialTest.class.getResource("/kernel-diff/verdicts.py").toURI());
    Process p = new ProcessBuilder("ip", "netns", "exec", prefix + "a", "/usr/bin/python3", script.toString(), b,
        prefix + "x", in.toString()).redirectErrorStream(true).start();
    List<String> out = new ArrayList<>();
    StringBuilder all = new StringBuilder();
    try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
      String line;
      while ((line = r.readLine()) != null) {
        all.append(line).append('\n');
        if (line.startsWith("R ")) {
          out.add(line.substring(2));
        }
      }
    }
    if (!p.waitFor(60, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError("kernel replay timed out");
    }
    assertThat(out).as("kernel replay output:\n" + all).hasSize(sc.frames().size());
    return out;
  }
}
