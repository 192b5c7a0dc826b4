package io.statewall.it.resilience;

import static io.statewall.it.resilience.HostileHostNetwork.arp;
import static io.statewall.it.resilience.HostileHostNetwork.udp;
import static org.assertj.core.api.Assertions.assertThat;

import io.statewall.netfilter.packet.IpAddress;
import io.statewall.netfilter.packet.Packet;
import io.statewall.mininet.BackgroundProcess;
import io.statewall.mininet.ExecResult;
import io.statewall.mininet.Host;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.projectfloodlight.openflow.types.IPv4Address;
import org.projectfloodlight.openflow.types.MacAddress;

/**
 * ARP spoofing on a real OVS switch: h3 claims h2's address 10.0.0.2 with forged ARP replies to
 * h1 and h4, gratuitous ARP requests and replies, and IP packets from 10.0.0.2, and even configures
 * 10.0.0.2 on its own interface to answer for it. It gains nothing: the controller still places
 * 10.0.0.2 at h2, no host's ARP cache learns h3's MAC for it, h4's connections to 10.0.0.2 reach
 * h2, and the SSH server h1, which lets in only 10.0.0.2, does not let h3 in as 10.0.0.2.
 */
class ArpSpoofingTest {
  static final String SERVER_RULES = """
      *filter
      :INPUT DROP [0:0]
      :FORWARD DROP [0:0]
      :OUTPUT DROP [0:0]
      -A INPUT -p tcp -s 10.0.0.2 --dport 22 -m state --state NEW,ESTABLISHED -j ACCEPT
      -A INPUT -p icmp -j ACCEPT
      -A OUTPUT -m state --state ESTABLISHED,RELATED -j ACCEPT
      COMMIT
      """;

  @TempDir static Path dir;
  static HostileHostNetwork n;
  static Host server;
  static Host victim;
  static Host attacker;
  static Host client;
  static final List<BackgroundProcess> services = new ArrayList<>();

  @BeforeAll
  static void start() throws Exception {
    Files.writeString(dir.resolve("server.rules"), SERVER_RULES);
    Path policy = Files.writeString(dir.resolve("policy.yaml"),
        "hosts:\n  - address: 10.0.0.1\n    rules: server.rules\n");
    n = HostileHostNetwork.start(policy);
    server = n.host("h1");
    victim = n.host("h2");
    attacker = n.host("h3");
    client = n.host("h4");
    services.add(server.start("exec socat TCP-LISTEN:22,fork,reuseaddr SYSTEM:'echo SSH-2.0-statewall'"));
    services.add(victim.start("exec socat TCP-LISTEN:80,fork,reuseaddr SYSTEM:'echo victim'"));
    services.add(attacker.start("exec socat TCP-LISTEN:80,fork,reuseaddr SYSTEM:'echo attacker'"));
    HostileHostNetwork.awaitListening(server, 22);
    HostileHostNetwork.awaitListening(victim, 80);
    HostileHostNetwork.awaitListening(attacker, 80);
    // every host speaks once, so the controller knows all four before the attack
    for (String[] ping : new String[][] {{"h2", "10.0.0.1"}, {"h3", "10.0.0.1"}, {"h4", "10.0.0.2"}}) {
      ExecResult r = n.host(ping[0]).exec("ping -c 1 -W 2 " + ping[1], Duration.ofSeconds(10));
      assertThat(r.succeeded()).as("%s pings %s: %s", ping[0], ping[1], r).isTrue();
    }
    assertThat(ownerOf("10.0.0.2")).isEqualTo(victim.mac());
  }

  @AfterAll
  static void stop() {
    services.forEach(BackgroundProcess::close);
    if (n != null) {
      n.close();
    }
  }

  private static String ownerOf(String ip) {
    return n.topology.hostByAddress(IPv4Address.of(ip)).map(h -> h.mac().toString()).orElse("nobody");
  }

  private static String neighbour(Host h, String ip) {
    return h.exec("ip neigh show " + ip).stdout();
  }

  @Test
  void aHostClaimingAnothersAddressGainsNothing() throws Exception {
    String a = attacker.mac();
    String bcast = MacAddress.BROADCAST.toString();
    List<byte[]> forged = new ArrayList<>();
    for (int round = 0; round < 3; round++) {
      forged.add(arp(2, a, client.mac(), a, "10.0.0.2", client.mac(), "10.0.0.4")); // reply to h4
      forged.add(arp(2, a, server.mac(), a, "10.0.0.2", server.mac(), "10.0.0.1")); // reply to h1
      forged.add(arp(1, a, bcast, a, "10.0.0.2", "00:00:00:00:00:00", "10.0.0.2")); // gratuitous request
      forged.add(arp(2, a, bcast, a, "10.0.0.2", bcast, "10.0.0.2")); // gratuitous reply
      forged.add(udp(a, server.mac(), "10.0.0.2", "10.0.0.1", 5353, 9)); // a spoofed source
    }
    // last: a datagram the firewall judges, so we know the controller has seen all of the above
    forged.add(udp(a, server.mac(), "10.0.0.2", "10.0.0.1", 5353, 10));
    attacker.exec("ip addr add 10.0.0.2/32 dev " + attacker.interfaceName()).orThrow();
    HostileHostNetwork.sendRaw(attacker, forged);
    n.awaitJudged("the marker datagram", p -> p.protocol() == Packet.PROTO_UDP && p.dstPort() == 10
        && p.src().equals(IpAddress.parse("10.0.0.2")));

    assertThat(ownerOf("10.0.0.2")).as("the controller places 10.0.0.2 at h2").isEqualTo(victim.mac());
    assertThat(n.topology.host(MacAddress.of(a)).orElseThrow().addresses())
        .as("h3 holds only its own address").containsExactly(IPv4Address.of("10.0.0.3"));
    assertThat(neighbour(client, "10.0.0.2")).as("h4's ARP cache").doesNotContain(a);
    assertThat(neighbour(server, "10.0.0.2")).as("h1's ARP cache").doesNotContain(a);

    // asked afresh, the network answers with h2's MAC, and the connection reaches h2
    client.exec("ip neigh flush all").orThrow();
    server.exec("ip neigh flush all").orThrow();
    for (int i = 0; i < 3; i++) {
      ExecResult r = client.exec("nc -w 3 10.0.0.2 80", Duration.ofSeconds(10));
      assertThat(r.stdout()).as("h4 -> 10.0.0.2:80, attempt %d: %s", i, r).contains("victim")
          .doesNotContain("attacker");
    }
    assertThat(neighbour(client, "10.0.0.2")).as("h4's ARP cache").contains(victim.mac());

    // the server lets in only 10.0.0.2: h2 gets in, h3 neither as itself nor as 10.0.0.2
    assertThat(victim.exec("nc -w 3 10.0.0.1 22", Duration.ofSeconds(10)).stdout()).contains("SSH-2.0");
    ExecResult asVictim = attacker.exec("nc -s 10.0.0.2 -w 3 10.0.0.1 22", Duration.ofSeconds(10));
    assertThat(asVictim.stdout()).as("h3 as 10.0.0.2: %s", asVictim).doesNotContain("SSH-2.0");
    ExecResult asItself = attacker.exec("nc -w 3 10.0.0.1 22", Duration.ofSeconds(10));
    assertThat(asItself.stdout()).as("h3 as itself: %s", asItself).doesNotContain("SSH-2.0");
    assertThat(ownerOf("10.0.0.2")).as("still h2 after all that").isEqualTo(victim.mac());
  }
}
