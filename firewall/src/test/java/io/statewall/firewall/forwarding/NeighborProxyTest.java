package io.statewall.firewall.forwarding;

import static io.statewall.firewall.forwarding.fakes.TestFrames.ip;
import static io.statewall.firewall.forwarding.fakes.TestFrames.ip6;
import static io.statewall.firewall.forwarding.fakes.TestFrames.mac;
import static org.assertj.core.api.Assertions.assertThat;

import io.statewall.firewall.forwarding.fakes.TestFrames;
import io.statewall.firewall.forwarding.fakes.TestNet;
import io.statewall.netfilter.packet.Checksums;
import io.statewall.netfilter.packet.Family;
import io.statewall.netfilter.packet.IpAddress;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.projectfloodlight.openflow.protocol.OFPacketOut;
import org.projectfloodlight.openflow.protocol.OFVersion;
import org.projectfloodlight.openflow.protocol.action.OFActionOutput;
import org.projectfloodlight.openflow.types.IPv6Address;
import org.projectfloodlight.openflow.types.MacAddress;

/** A ring of 4 switches; h1 on s1/3 and h3 on s3/3 are known. */
class NeighborProxyTest {

  private TestNet net;

  @BeforeEach
  void ring() {
    net = TestNet.chain(new OpenPolicy(), ForwardingSettings.DEFAULTS, 4, true, OFVersion.OF_13);
    net.attach(1, 1, 3);
    net.attach(3, 3, 3);
  }

  private static List<Integer> ports(OFPacketOut po) {
    return po.getActions().stream().map(a -> ((OFActionOutput) a).getPort().getPortNumber()).toList();
  }

  @Test
  void arpForAKnownHostIsAnsweredByTheController() {
    net.send(1, 3, TestFrames.arpRequest(1, ip(3)));
    assertThat(net.sw(1).packetOuts()).hasSize(1);
    OFPacketOut po = net.sw(1).packetOuts().get(0);
    assertThat(ports(po)).containsExactly(3);
    byte[] reply = po.getData();
    assertThat(MacAddress.of(Arrays.copyOfRange(reply, 0, 6))).isEqualTo(mac(1));
    assertThat(MacAddress.of(Arrays.copyOfRange(reply, 6, 12))).isEqualTo(mac(3));
    assertThat(reply[21]).as("opcode reply").isEqualTo((byte) 2);
    assertThat(MacAddress.of(Arrays.copyOfRange(reply, 22, 28))).isEqualTo(mac(3));
    assertThat(Arrays.copyOfRange(reply, 28, 32)).isEqualTo(ip(3).getBytes());
    assertThat(MacAddress.of(Arrays.copyOfRange(reply, 32, 38))).isEqualTo(mac(1));
    assertThat(Arrays.copyOfRange(reply, 38, 42)).isEqualTo(ip(1).getBytes());
    for (long s = 2; s <= 4; s++) {
      assertThat(net.sw(s).written()).as("nothing crosses the network").isEmpty();
    }
  }

  @Test
  void arpForAnUnknownHostIsFloodedOnTreePortsOnly() {
    net.send(1, 3, TestFrames.arpRequest(1, ip(7)));
    OFPacketOut po = net.sw(1).packetOuts().get(0);
    assertThat(ports(po)).doesNotContain(3)
        .containsExactlyInAnyOrderElementsOf(net.topology.service()
            .broadcastPorts(net.sw(1).id()).stream().map(p -> p.getPortNumber())
            .filter(p -> p != 3).toList());
  }

  @Test
  void floodOnTheRingStopsAtTheBlockedLink() {
    // carry a flood from switch to switch along the fake cables until it dies out
    byte[] frame = TestFrames.otherBroadcast(1);
    net.send(1, 3, frame);
    int packetOuts = 0;
    for (int round = 0; round < 10; round++) {
      boolean any = false;
      for (long s = 1; s <= 4; s++) {
        List<OFPacketOut> outs = net.sw(s).packetOuts();
        net.sw(s).clear();
        for (OFPacketOut po : outs) {
          packetOuts++;
          for (int p : ports(po)) {
            if (p == 1 || p == 2) { // ring ports: s/1 -> s+1/2, s/2 -> s-1/1
              long peer = p == 1 ? s % 4 + 1 : (s + 2) % 4 + 1;
              net.send(peer, p == 1 ? 2 : 1, frame);
              any = true;
            }
          }
        }
      }
      if (!any) {
        break;
      }
    }
    assertThat(packetOuts).as("one packet-out per switch, then the flood ends").isEqualTo(4);
  }

  @Test
  void gratuitousArpIsFloodedNotAnswered() {
    net.send(1, 3, TestFrames.arp(1, mac(1), ip(1), MacAddress.BROADCAST, MacAddress.NONE, ip(1)));
    assertThat(ports(net.sw(1).packetOuts().get(0))).doesNotContain(3).isNotEmpty();
  }

  /** h5 on s2/3 speaks ARP with h3's address: a forged reply to h1, and a gratuitous ARP. */
  @Test
  void arpClaimingAnotherHostsAddressIsDroppedAndMovesNothing() {
    net.attach(5, 2, 3);
    byte[] forgedReply = TestFrames.arp(2, mac(5), ip(3), mac(1), mac(1), ip(1));
    byte[] forgedGratuitous = TestFrames.arp(1, mac(5), ip(3), MacAddress.BROADCAST, MacAddress.NONE, ip(3));
    byte[] forgedGratuitousReply = TestFrames.arp(2, mac(5), ip(3), MacAddress.BROADCAST, MacAddress.BROADCAST, ip(3));
    for (byte[] forged : List.of(forgedReply, forgedGratuitous, forgedGratuitousReply)) {
      net.send(2, 3, forged);
      for (long s = 1; s <= 4; s++) {
        assertThat(net.sw(s).packetOuts()).as("reaches no host's cache").isEmpty();
      }
    }
    assertThat(net.topology.service().hostByAddress(ip(3)).orElseThrow().mac()).isEqualTo(mac(3));
    // and the controller still answers for h3 with h3's MAC
    net.send(1, 3, TestFrames.arpRequest(1, ip(3)));
    byte[] answer = net.sw(1).packetOuts().get(0).getData();
    assertThat(MacAddress.of(Arrays.copyOfRange(answer, 22, 28))).isEqualTo(mac(3));
  }

  @Test
  void solicitationFromAnotherHostsAddressIsDropped() {
    net.attach(5, 2, 3);
    net.send(2, 3, TestFrames.solicitation(5, ip6(3), ip6(1)));
    for (long s = 1; s <= 4; s++) {
      assertThat(net.sw(s).packetOuts()).isEmpty();
    }
    assertThat(net.topology.service().hostByAddress(ip6(3)).orElseThrow().mac()).isEqualTo(mac(3));
  }

  @Test
  void unsolicitedAdvertisementClaimingAnotherHostsAddressIsDropped() {
    net.attach(5, 2, 3);
    net.send(2, 3, TestFrames.advertisement(5, ip6(5), ip6(3)));
    for (long s = 1; s <= 4; s++) {
      assertThat(net.sw(s).packetOuts()).as("switch %d", s).isEmpty();
    }
    assertThat(net.topology.service().hostByAddress(ip6(3)).orElseThrow().mac()).isEqualTo(mac(3));
  }

  @Test
  void anAdvertisementOfTheHostsOwnAddressGoesOn() {
    net.send(3, 3, TestFrames.advertisement(3, ip6(3), ip6(3)));
    for (long s : new long[] {1, 2, 4}) {
      assertThat(net.sw(s).packetOuts()).as("switch %d: to its edge port, as any multicast", s)
          .singleElement().satisfies(po -> assertThat(ports(po)).containsExactly(3));
    }
    assertThat(net.sw(3).packetOuts()).as("not back to the sender's switch").isEmpty();
  }

  @Test
  void arpReplyToAKnownHostGoesStraightToIt() {
    byte[] reply = TestFrames.arp(2, mac(3), ip(3), mac(1), mac(1), ip(1));
    net.send(3, 3, reply);
    assertThat(net.sw(3).packetOuts()).isEmpty();
    assertThat(ports(net.sw(1).packetOuts().get(0))).containsExactly(3);
    assertThat(net.sw(1).packetOuts().get(0).getData()).isEqualTo(reply);
  }

  @Test
  void solicitationForAKnownHostIsAnsweredWithAValidAdvertisement() {
    net.send(1, 3, TestFrames.solicitation(1, ip6(1), ip6(3)));
    OFPacketOut po = net.sw(1).packetOuts().get(0);
    assertThat(ports(po)).containsExactly(3);
    byte[] na = po.getData();
    assertThat(MacAddress.of(Arrays.copyOfRange(na, 0, 6))).isEqualTo(mac(1));
    assertThat(MacAddress.of(Arrays.copyOfRange(na, 6, 12))).isEqualTo(mac(3));
    assertThat(na[20] & 0xFF).as("next header ICMPv6").isEqualTo(58);
    assertThat(na[21] & 0xFF).as("hop limit").isEqualTo(255);
    assertThat(IPv6Address.of(Arrays.copyOfRange(na, 22, 38))).isEqualTo(ip6(3));
    assertThat(IPv6Address.of(Arrays.copyOfRange(na, 38, 54))).isEqualTo(ip6(1));
    assertThat(na[54] & 0xFF).as("type NA").isEqualTo(136);
    assertThat(na[58] & 0xFF).as("solicited + override").isEqualTo(0x60);
    assertThat(IPv6Address.of(Arrays.copyOfRange(na, 62, 78))).isEqualTo(ip6(3));
    assertThat(MacAddress.of(Arrays.copyOfRange(na, 80, 86))).isEqualTo(mac(3));
    // a correct checksum makes the one's complement sum over pseudo-header + message zero
    byte[] zeroed = na.clone();
    int sum = (na[56] & 0xFF) << 8 | (na[57] & 0xFF);
    zeroed[56] = 0;
    zeroed[57] = 0;
    assertThat(Checksums.transport(IpAddress.of(ip6(3).getBytes(), 0, Family.IPV6),
        IpAddress.of(ip6(1).getBytes(), 0, Family.IPV6), 58, zeroed, 54, 32)).isEqualTo(sum);
    assertThat(sum).isEqualTo(referenceChecksum(na));
  }

  @Test
  void solicitationForAnUnknownTargetOrDuringDadIsFlooded() {
    net.send(1, 3, TestFrames.solicitation(1, ip6(1), ip6(9)));
    assertThat(ports(net.sw(1).packetOuts().get(0))).doesNotContain(3).isNotEmpty();
    net.clearWrites();
    net.send(1, 3, TestFrames.solicitation(1, IPv6Address.NONE, ip6(3)));
    assertThat(ports(net.sw(1).packetOuts().get(0))).doesNotContain(3).isNotEmpty();
  }

  @Test
  void truncatedNeighbourMessagesAreNeitherAnsweredNorThrown() {
    byte[] arp = TestFrames.arpRequest(1, ip(3));
    byte[] ns = TestFrames.solicitation(1, ip6(1), ip6(3));
    for (int len = 14; len < ns.length; len++) {
      net.send(1, 3, Arrays.copyOf(arp, Math.min(len, arp.length)));
      net.send(1, 3, Arrays.copyOf(ns, len));
    }
    // only the whole ARP request (len >= 42) was answered: never a reply built from a short one
    assertThat(net.sw(1).packetOuts()).allSatisfy(po ->
        assertThat(po.getData().length == 42 ? po.getData()[21] : 2).isEqualTo((byte) 2));
  }

  /** An independent ICMPv6 checksum (RFC 4443 pseudo-header), written out long-hand. */
  private static int referenceChecksum(byte[] f) {
    byte[] pseudo = new byte[40 + 32];
    System.arraycopy(f, 22, pseudo, 0, 32); // src and dst
    pseudo[35] = 32; // upper-layer length
    pseudo[39] = 58; // next header
    System.arraycopy(f, 54, pseudo, 40, 32);
    pseudo[42] = 0;
    pseudo[43] = 0;
    long sum = 0;
    for (int i = 0; i < pseudo.length; i += 2) {
      sum += (pseudo[i] & 0xFF) << 8 | (pseudo[i + 1] & 0xFF);
    }
    while (sum > 0xFFFF) {
      sum = (sum & 0xFFFF) + (sum >> 16);
    }
    return (int) (~sum & 0xFFFF);
  }
}
