package io.statewall.netfilter.judge;

import static org.assertj.core.api.Assertions.assertThat;

import io.statewall.netfilter.packet.Packet;
import org.junit.jupiter.api.Test;

class KernelLogFormatTest {

  private static Packet.Builder tcpSyn() {
    return Packet.builder().addresses("10.0.0.2", "10.0.0.1").tcp(40000, 22, Packet.TCP_SYN)
        .srcMac(0x0000_0000_0002L).dstMac(0x0000_0000_0001L).ipLength(60).ttl(64).window(64240);
  }

  @Test
  void inputChainLineHasMacAndTcpFlagsInKernelOrder() {
    String line = KernelLogFormat.format("DROPPED: ", tcpSyn().build(), "eth0", "");
    assertThat(line).isEqualTo("DROPPED: IN=eth0 OUT= MAC=00:00:00:00:00:01:00:00:00:00:00:02:08:00 "
        + "SRC=10.0.0.2 DST=10.0.0.1 LEN=60 TOS=0x00 PREC=0x00 TTL=64 ID=0 "
        + "PROTO=TCP SPT=40000 DPT=22 WINDOW=64240 RES=0x00 SYN URGP=0");
  }

  @Test
  void outputChainLineHasNoMac() {
    String line = KernelLogFormat.format("", tcpSyn().tcp(22, 40000, Packet.TCP_SYN | Packet.TCP_ACK).build(), "", "eth0");
    assertThat(line).startsWith("IN= OUT=eth0 SRC=").contains(" ACK SYN URGP=0").doesNotContain("MAC=");
  }

  @Test
  void udpAndIcmpCarryTheirOwnFields() {
    Packet udp = Packet.builder().addresses("10.0.0.1", "10.0.0.2").udp(5353, 53).payload(42, 20).build();
    assertThat(KernelLogFormat.format("", udp, "eth0", "")).endsWith("PROTO=UDP SPT=5353 DPT=53 LEN=28");
    Packet ping = Packet.builder().addresses("10.0.0.1", "10.0.0.2").icmp(8, 0).icmpId(7).build();
    assertThat(KernelLogFormat.format("", ping, "eth0", "")).endsWith("PROTO=ICMP TYPE=8 CODE=0 ID=7 SEQ=0");
  }

  @Test
  void ipv6LineUsesTrafficClassAndHopLimit() {
    Packet p = Packet.builder().addresses("2001:db8::1", "2001:db8::2").tcp(1, 2, Packet.TCP_SYN).ttl(63).build();
    assertThat(KernelLogFormat.format("", p, "eth0", "")).contains("SRC=2001:db8::1 DST=2001:db8::2 LEN=60 TC=0 HOPLIMIT=63 FLOWLBL=0");
  }
}
