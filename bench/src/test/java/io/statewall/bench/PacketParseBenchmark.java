package io.statewall.bench;

import io.statewall.netfilter.packet.FrameBuilder;
import io.statewall.netfilter.packet.Packet;
import io.statewall.netfilter.packet.PacketParser;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/** Frames parsed per second: a TCP SYN, a UDP datagram, an IPv6 TCP segment and an ICMP echo. */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class PacketParseBenchmark {
  PacketParser parser;
  byte[] syn;
  byte[] udp;
  byte[] tcp6;
  byte[] echo;

  @Setup(Level.Trial)
  public void setup() {
    parser = new PacketParser();
    syn = FrameWriter.tcpSyn(0x0200_0000_0301L, 0x0200_0000_0402L, 0x0A00_0301, 0x0A00_0402, 40000, 80, 1);
    udp = FrameBuilder.ip("10.0.3.1", "10.0.4.2").udp(5353, 53).payload("query").build();
    tcp6 = FrameBuilder.ip("2001:db8::1", "2001:db8::2").tcp(40000, 443, Packet.TCP_SYN).build();
    echo = FrameBuilder.ip("10.0.3.1", "10.0.4.2").echoRequest(7, 1).build();
  }

  @Benchmark
  public Packet tcpSyn() {
    return parser.parse(syn);
  }

  @Benchmark
  public Packet udp() {
    return parser.parse(udp);
  }

  @Benchmark
  public Packet tcpIpv6() {
    return parser.parse(tcp6);
  }

  @Benchmark
  public Packet icmpEcho() {
    return parser.parse(echo);
  }
}
