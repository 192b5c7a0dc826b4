package io.statewall.netfilter.conntrack.bench;

import io.statewall.netfilter.conntrack.CtDirection;
import io.statewall.netfilter.conntrack.ftp.FtpCommandParser;
import io.statewall.netfilter.conntrack.ftp.FtpMatch;
import io.statewall.netfilter.packet.Family;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * FTP control segments searched per second by the helper's parser: each command form it finds
 * (PORT, EPRT, 227, 229) and the common case, a line with nothing to find.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class FtpParserBenchmark {
  FtpCommandParser parser;
  byte[] port;
  byte[] eprt;
  byte[] pasv;
  byte[] epsv;
  byte[] retr;

  @Setup(Level.Trial)
  public void setup() {
    parser = new FtpCommandParser();
    port = ascii("PORT 10,0,0,1,156,64\r\n");
    eprt = ascii("EPRT |2|2001:db8::1|40000|\r\n");
    pasv = ascii("227 Entering Passive Mode (10,0,0,2,195,80).\r\n");
    epsv = ascii("229 Entering Extended Passive Mode (|||50000|)\r\n");
    retr = ascii("RETR pub/some/rather/long/path/to/a/file.tar.gz\r\n");
  }

  private static byte[] ascii(String s) {
    return s.getBytes(StandardCharsets.US_ASCII);
  }

  @Benchmark
  public FtpMatch port() {
    return parser.parse(CtDirection.ORIGINAL, port, 0, port.length, Family.IPV4);
  }

  @Benchmark
  public FtpMatch eprt() {
    return parser.parse(CtDirection.ORIGINAL, eprt, 0, eprt.length, Family.IPV6);
  }

  @Benchmark
  public FtpMatch pasv227() {
    return parser.parse(CtDirection.REPLY, pasv, 0, pasv.length, Family.IPV4);
  }

  @Benchmark
  public FtpMatch epsv229() {
    return parser.parse(CtDirection.REPLY, epsv, 0, epsv.length, Family.IPV4);
  }

  @Benchmark
  public FtpMatch noCommand() {
    return parser.parse(CtDirection.ORIGINAL, retr, 0, retr.length, Family.IPV4);
  }
}
