package io.statewall.mininet.ovs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.statewall.mininet.FlowEntry;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class FlowDumpParserTest {

  // Lines as ovs-ofctl 3.1 printed them (OF1.3 and, with idle_age, OF1.0).
  static Stream<Arguments> lines() {
    return Stream.of(
        Arguments.of("table-miss NORMAL entry",
            " cookie=0x0, duration=0.115s, table=0, n_packets=5, n_bytes=370, priority=0 actions=NORMAL",
            new FlowEntry(0, 0, 0, "", "NORMAL", 5, 370, 0, 0)),
        Arguments.of("timeouts, cookie and a flag before the priority",
            " cookie=0xabc, duration=0.061s, table=0, n_packets=0, n_bytes=0, idle_timeout=10, "
                + "hard_timeout=30, send_flow_rem priority=100,tcp,nw_src=10.0.0.1,tp_dst=80 "
                + "actions=output:2",
            new FlowEntry(0xabc, 0, 100, "tcp,nw_src=10.0.0.1,tp_dst=80", "output:2", 0, 0, 10, 30)),
        Arguments.of("default priority is left out by OVS",
            " cookie=0x0, duration=0.033s, table=1, n_packets=0, n_bytes=0, ip actions=drop",
            new FlowEntry(0, 1, FlowEntry.DEFAULT_PRIORITY, "ip", "drop", 0, 0, 0, 0)),
        Arguments.of("OpenFlow 1.0 output with ages",
            " cookie=0xabc, duration=0.069s, table=0, n_packets=0, n_bytes=0, idle_timeout=10, "
                + "hard_timeout=30, idle_age=0, priority=100,tcp,nw_src=10.0.0.1,tp_dst=80 "
                + "actions=output:2",
            new FlowEntry(0xabc, 0, 100, "tcp,nw_src=10.0.0.1,tp_dst=80", "output:2", 0, 0, 10, 30)),
        Arguments.of("full 64-bit cookie and several actions",
            " cookie=0xffffffffffffffff, duration=1s, table=3, n_packets=12, n_bytes=1200, "
                + "priority=7,ct_state=+est+trk,ip actions=ct(commit,zone=1),output:2",
            new FlowEntry(-1L, 3, 7, "ct_state=+est+trk,ip", "ct(commit,zone=1),output:2", 12, 1200,
                0, 0)));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("lines")
  void parsesAnEntryLine(String behaviour, String line, FlowEntry expected) {
    assertThat(FlowDumpParser.parseLine(line.strip())).isEqualTo(expected);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("lines")
  void skipsHeadersInAWholeDump(String behaviour, String line, FlowEntry expected) {
    String dump = "OFPST_FLOW reply (OF1.3) (xid=0x2):\n" + line + "\n";
    assertThat(FlowDumpParser.parse(dump)).containsExactly(expected);
  }

  static Stream<Arguments> malformed() {
    return Stream.of(
        Arguments.of("no actions", "cookie=0x0, table=0, priority=0", "without actions"),
        Arguments.of("bad number", "cookie=0x0, table=x, priority=0 actions=drop", "malformed"),
        Arguments.of("bad cookie", "cookie=0xzz, table=0 actions=drop", "malformed"),
        Arguments.of("stray word", "cookie=0x0, table=0, bogus priority=1 actions=drop", "bogus"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("malformed")
  void rejectsMalformedLinesClearly(String behaviour, String line, String message) {
    assertThatThrownBy(() -> FlowDumpParser.parseLine(line))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining(message)
        .hasMessageContaining(line);
  }
}
