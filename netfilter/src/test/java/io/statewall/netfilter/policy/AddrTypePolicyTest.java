package io.statewall.netfilter.policy;

import static org.assertj.core.api.Assertions.assertThat;

import io.statewall.netfilter.conntrack.CtDirection;
import io.statewall.netfilter.conntrack.CtState;
import io.statewall.netfilter.packet.IpAddress;
import io.statewall.netfilter.packet.Packet;
import io.statewall.netfilter.rules.ConnInfo;
import io.statewall.netfilter.rules.Verdict;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * -m addrtype relative to whose addresses: a host's rule set knows the host's own (and loopback), the
 * network rule set the policy's hosts; the kernel differential covers a host's INPUT against Linux, this
 * covers the other places and the cases a namespace cannot receive (a loopback or local source).
 */
class AddrTypePolicyTest {
  @TempDir Path dir;
  static final long UNICAST_MAC = 0x0200_0000_0002L;
  static final long BROADCAST_MAC = 0xFFFF_FFFF_FFFFL;

  /** One row: where the rule sits, the rule, the packet, and whether it is dropped. */
  static Stream<Arguments> rows() {
    return Stream.of(
        row("host OUTPUT: its own source is LOCAL", "host", "OUTPUT", "--src-type LOCAL", "10.0.0.1", "10.0.0.2", true),
        row("host OUTPUT: another source is not", "host", "OUTPUT", "--src-type LOCAL", "10.0.0.9", "10.0.0.2", false),
        row("host INPUT: every address of a CIDR entry is its own", "host", "INPUT", "--dst-type LOCAL", "10.0.0.2",
            "10.0.5.7", true),
        row("host INPUT: loopback is LOCAL", "host", "INPUT", "--src-type LOCAL", "127.0.0.5", "10.0.0.1", true),
        row("host INPUT: loopback's broadcast is BROADCAST", "host", "INPUT", "--src-type BROADCAST",
            "127.255.255.255", "10.0.0.1", true),
        row("host INPUT: --limit-iface-in leaves loopback out", "host", "INPUT", "--src-type LOCAL --limit-iface-in",
            "127.0.0.5", "10.0.0.1", false),
        row("host INPUT: --limit-iface-in keeps the attachment's own", "host", "INPUT",
            "--dst-type LOCAL --limit-iface-in", "10.0.0.2", "10.0.0.1", true),
        row("network FORWARD: a policy host's address is LOCAL", "network", "FORWARD", "--dst-type LOCAL", "10.0.0.9",
            "10.0.0.1", true),
        row("network FORWARD: an address no host has is UNICAST", "network", "FORWARD", "--dst-type UNICAST",
            "10.0.0.2", "192.0.2.1", true),
        row("network FORWARD: the network has no loopback", "network", "FORWARD", "--src-type LOCAL", "127.0.0.1",
            "10.0.0.2", false),
        row("network FORWARD: the subnet's broadcast, by the frame's MAC", "network", "FORWARD", "--dst-type BROADCAST",
            "10.0.0.2", "10.0.0.255", true),
        row("IPv6 host INPUT: ::1 is LOCAL", "host", "INPUT", "--src-type LOCAL", "::1", "fd00::1", true),
        row("IPv6 host INPUT: LOCAL,MULTICAST needs both", "host", "INPUT", "--dst-type LOCAL,MULTICAST", "fd00::2",
            "fd00::1", false),
        row("IPv6 host INPUT: ! UNICAST for an IPv4-mapped source", "host", "INPUT", "! --src-type UNICAST",
            "::ffff:10.0.0.9", "fd00::1", true),
        row("IPv6 network FORWARD: a host's address is LOCAL", "network", "FORWARD", "--dst-type LOCAL", "fd00::2",
            "fd00::1", true));
  }

  static Arguments row(String name, String where, String chain, String types, String src, String dst, boolean dropped) {
    return Arguments.of(name, where, chain, types, src, dst, dropped);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("rows")
  void decidedRelativeToTheRuleSetsAddresses(String name, String where, String chain, String types, String src,
      String dst, boolean dropped) throws Exception {
    boolean v6 = src.contains(":");
    String file = "*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n-A " + chain
        + " -m addrtype " + types + " -j DROP\nCOMMIT\n";
    Files.writeString(dir.resolve("r"), file);
    String key = v6 ? "rules6" : "rules";
    String yaml = "hosts:\n  - address: [10.0.0.1, 10.0.5.0/24, fd00::1]\n" + (where.equals("host") ? "    " + key
        + ": r\n" : "") + (where.equals("network") ? "network:\n  " + key + ": r\n" : "");
    Policy pol = new PolicyLoader().load(Files.writeString(dir.resolve("p.yaml"), yaml));
    long mac = dst.endsWith(".255") ? BROADCAST_MAC : UNICAST_MAC;
    // Java's address parser turns ::ffff:a.b.c.d into an IPv4 address: build the mapped one by hand
    IpAddress s = src.startsWith("::ffff:") ? IpAddress.v6(0, 0xFFFF_0000_0000L | (IpAddress.parse(src.substring(7)).v4Int()
        & 0xFFFF_FFFFL)) : IpAddress.parse(src);
    Packet p = Packet.builder().addresses(s, IpAddress.parse(dst)).dstMac(mac).udp(40000, 53).build();
    String host = pol.hostFor(IpAddress.parse(v6 ? "fd00::1" : "10.0.0.1"));
    PathContext ctx = chain.equals("OUTPUT") ? new PathContext(host, null, null, null)
        : new PathContext(null, where.equals("host") ? host : null, null, null);
    ConnInfo ct = new ConnInfo.Of(CtState.NEW, CtDirection.ORIGINAL, 0, null, null, null, null, 0, null);
    assertThat(pol.filter(p, ct, ctx).verdict()).isEqualTo(dropped ? Verdict.DROP : Verdict.ACCEPT);
  }
}
