package io.statewall.netfilter.conntrack.ftp;

import static org.assertj.core.api.Assertions.assertThat;

import io.statewall.netfilter.conntrack.CtDirection;
import io.statewall.netfilter.packet.Family;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** One row per command form: valid, each malformed variant, and hostile input. */
class FtpCommandParserTest {

  private static final CtDirection C = CtDirection.ORIGINAL;
  private static final CtDirection S = CtDirection.REPLY;
  private static final Family V4 = Family.IPV4;
  private static final Family V6 = Family.IPV6;

  static Stream<Arguments> rows() {
    return Stream.of(
        row("PORT valid", C, "PORT 10,0,0,1,19,137\r\n", V4, "PORT 10.0.0.1 5001"),
        row("PORT lower case", C, "port 10,0,0,1,19,137\r\n", V4, "PORT 10.0.0.1 5001"),
        row("PORT mixed case", C, "PoRt 10,0,0,1,0,21\r\n", V4, "PORT 10.0.0.1 21"),
        row("PORT missing CR", C, "PORT 10,0,0,1,19,137\n", V4, "DROP"),
        row("PORT truncated after numbers", C, "PORT 10,0,0,1,19,137", V4, "DROP"),
        row("PORT prefix P", C, "P", V4, "DROP"),
        row("PORT prefix PO", C, "PO", V4, "DROP"),
        row("PORT exact keyword", C, "PORT", V4, "DROP"),
        row("PORT without space", C, "PORT\r\n", V4, "DROP"),
        row("PORT five numbers", C, "PORT 10,0,0,1,19\r\n", V4, "DROP"),
        row("PORT seven numbers", C, "PORT 10,0,0,1,19,137,1\r\n", V4, "DROP"),
        row("PORT letter in number", C, "PORT 10,0,x,1,19,137\r\n", V4, "DROP"),
        row("PORT field 256 refused not wrapped", C, "PORT 10,0,0,1,256,22\r\n", V4, "DROP"),
        row("PORT address field 300 refused", C, "PORT 10,0,0,300,19,137\r\n", V4, "DROP"),
        row("PORT port 0 refused", C, "PORT 10,0,0,1,0,0\r\n", V4, "DROP"),
        row("PORT hundreds of digits", C, "PORT 10,0,0,1,19," + "9".repeat(500) + "\r\n", V4, "DROP"),
        row("PORT leading zeros", C, "PORT 010,000,000,001,019,137\r\n", V4, "PORT 10.0.0.1 5001"),
        row("PORTX still matches PORT (as Linux)", C, "PORTX 10,0,0,1,19,137\r\n", V4, "PORT 10.0.0.1 5001"),
        row("other command", C, "LIST\r\n", V4, "NONE"),
        row("short other command", C, "NO", V4, "NONE"),
        row("EPRT IPv4", C, "EPRT |1|10.0.0.1|5001|\r\n", V4, "EPRT 10.0.0.1 5001"),
        row("EPRT other delimiter", C, "EPRT !1!10.0.0.1!5001!\r\n", V4, "EPRT 10.0.0.1 5001"),
        row("EPRT IPv6", C, "EPRT |2|2001:db8::1|5001|\r\n", V6, "EPRT 2001:db8::1 5001"),
        row("EPRT IPv6 on IPv4 connection", C, "EPRT |2|2001:db8::1|5001|\r\n", V4, "DROP"),
        row("EPRT IPv4 on IPv6 connection", C, "EPRT |1|10.0.0.1|5001|\r\n", V6, "DROP"),
        row("EPRT digit delimiter", C, "EPRT 1110.0.0.115001\r\n", V4, "DROP"),
        row("EPRT space delimiter", C, "EPRT  1 10.0.0.1 5001 \r\n", V4, "DROP"),
        row("EPRT second delimiter differs", C, "EPRT |1!10.0.0.1|5001|\r\n", V4, "DROP"),
        row("EPRT port 0", C, "EPRT |1|10.0.0.1|0|\r\n", V4, "DROP"),
        row("EPRT port 70000 refused not wrapped", C, "EPRT |1|10.0.0.1|70000|\r\n", V4, "DROP"),
        row("EPRT port without closing delimiter", C, "EPRT |1|10.0.0.1|5001\r\n", V4, "DROP"),
        row("EPRT three address numbers", C, "EPRT |1|10.0.1|5001|\r\n", V4, "DROP"),
        row("EPRT bad IPv6", C, "EPRT |2|2001:zz::1|5001|\r\n", V6, "DROP"),
        row("EPRT too short", C, "EPRT |1|", V4, "DROP"),
        row("227 with parentheses", S, "227 Entering Passive Mode (10,0,0,2,19,138).\r\n", V4, "PASV 10.0.0.2 5002"),
        row("227 without parentheses", S, "227 Entering Passive Mode 10,0,0,2,19,138\r\n", V4, "PASV 10.0.0.2 5002"),
        row("227 without numbers", S, "227 Entering Passive Mode\r\n", V4, "DROP"),
        row("227 truncated numbers", S, "227 (10,0,0,2,19", V4, "DROP"),
        row("227 field above 255", S, "227 (10,0,0,2,19,999)\r\n", V4, "DROP"),
        row("227 prefix 22", S, "22", V4, "DROP"),
        row("other reply", S, "200 OK\r\n", V4, "NONE"),
        row("229 valid", S, "229 Entering Extended Passive Mode (|||5004|)\r\n", V4, "EPSV - 5004"),
        row("229 without parenthesis", S, "229 Entering Extended Passive Mode |||5004|\r\n", V4, "DROP"),
        row("229 without closing parenthesis (as Linux)", S, "229 (|||5004|\r\n", V4, "EPSV - 5004"),
        row("229 two delimiters", S, "229 (||5004|)\r\n", V4, "DROP"),
        row("229 port 0", S, "229 (|||0|)\r\n", V4, "DROP"),
        row("229 port 65536 refused", S, "229 (|||65536|)\r\n", V4, "DROP"),
        row("229 port 65535 accepted", S, "229 (|||65535|)\r\n", V4, "EPSV - 65535"),
        row("PORT in reply direction not looked at", S, "PORT 10,0,0,1,19,137\r\n", V4, "NONE"),
        row("227 in original direction not looked at", C, "227 (10,0,0,2,19,138)\r\n", V4, "NONE"),
        row("non-ASCII in PORT", C, "PORT 10,\u00e9,0,1,19,137\r\n", V4, "DROP"),
        row("64 KB line of digits", C, "PORT " + "7".repeat(65_536) + "\r\n", V4, "DROP"),
        row("64 KB line without newline", C, "PORT 10," + ",".repeat(65_536), V4, "DROP"),
        row("64 KB reply of letters", S, "227 " + "x".repeat(65_536), V4, "DROP"));
  }

  private static Arguments row(String name, CtDirection dir, String payload, Family family, String expect) {
    return Arguments.of(name, dir, payload.getBytes(StandardCharsets.ISO_8859_1), family, expect);
  }

  @ParameterizedTest(name = "{0} -> {4}")
  @MethodSource("rows")
  void parses(String name, CtDirection dir, byte[] payload, Family family, String expect) {
    // Offset the payload inside a larger buffer so absolute/relative index mistakes show up.
    byte[] buf = new byte[payload.length + 7];
    Arrays.fill(buf, (byte) '\n');
    System.arraycopy(payload, 0, buf, 3, payload.length);
    FtpMatch m = new FtpCommandParser().parse(dir, buf, 3, payload.length, family);
    assertThat(describe(m)).isEqualTo(expect);
  }

  private static String describe(FtpMatch m) {
    if (m instanceof FtpMatch.None) {
      return "NONE";
    }
    if (m instanceof FtpMatch.Malformed) {
      return "DROP";
    }
    FtpMatch.Command c = (FtpMatch.Command) m;
    return c.type() + " " + (c.address() == null ? "-" : c.address().toString()) + " " + c.port();
  }
}
