package io.statewall.apps.main;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.statewall.bench.BenchCommand;
import io.statewall.operator.cli.PolicyCommand;
import io.statewall.controller.launch.StatewallCli;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@code statewall bench --seconds 2} through the launcher's command line, wired as
 * {@link StatewallMain} wires it: it runs the stub and the in-process firewall and ends with one
 * line of JSON. The figures are not checked (this machine's speed is nobody's contract).
 */
@Timeout(180) // a guard against hangs, not a performance assertion
class BenchSubcommandTest {

  @Test
  void benchRunsTheInProcessFirewallAndEndsWithJson() throws Exception {
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    PrintStream original = System.out;
    int exit;
    System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
    try {
      exit = StatewallCli.execute(new String[] {"bench", "--seconds", "2"}, new FirewallAssembler(),
          new PolicyCommand(), new BenchCommand(InProcessFirewall::new));
    } finally {
      System.setOut(original);
    }
    String out = captured.toString(StandardCharsets.UTF_8);

    assertThat(exit).as(out).isZero();
    String[] lines = out.strip().split("\n");
    JsonNode json = new ObjectMapper().readTree(lines[lines.length - 1]);
    assertThat(json.isObject()).as(lines[lines.length - 1]).isTrue();
    assertThat(json.fieldNames()).toIterable().containsExactly(
        "new_conn_per_s", "p50_us", "p99_us", "stub_new_conn_per_s", "switches", "rules",
        "tracked_connections", "live_heap_bytes", "alloc_bytes_per_conn", "timeouts", "dropped_packet_outs");
    assertThat(json.get("new_conn_per_s").isNumber()).as("the firewall was measured").isTrue();
    assertThat(json.get("tracked_connections").asLong()).as("the SYNs it accepted are tracked").isPositive();
    assertThat(json.get("live_heap_bytes").asLong()).isPositive();
    assertThat(json.get("alloc_bytes_per_conn").asLong())
        .as("the switch threads allocate something for each connection they decide").isPositive();
    assertThat(json.get("timeouts").isNumber()).isTrue();
    assertThat(json.get("dropped_packet_outs").asLong()).as("the controller can tell").isNotNegative();
    assertThat(json.get("switches").asInt()).isEqualTo(16);
    assertThat(json.get("rules").asInt()).isEqualTo(1000);
    assertThat(out).contains("statewall").contains("tracked connections");
  }

  @Test
  void withTheHandshakeTheFirewallInstallsEntriesAndConnectionsComplete() throws Exception {
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    PrintStream original = System.out;
    int exit;
    System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
    try {
      exit = StatewallCli.execute(new String[] {"bench", "--seconds", "1", "--switches", "2",
          "--rules", "50", "--mode", "latency", "--ramp-up", "0", "--expect-flows", "handshake"},
          new FirewallAssembler(), new PolicyCommand(), new BenchCommand(InProcessFirewall::new));
    } finally {
      System.setOut(original);
    }
    String out = captured.toString(StandardCharsets.UTF_8);

    assertThat(exit).as(out).isZero();
    String[] lines = out.strip().split("\n");
    JsonNode json = new ObjectMapper().readTree(lines[lines.length - 1]);
    // SYN, SYN-ACK and ACK were judged, entries went to both switches and the ACK was delivered:
    // otherwise no connection would count as set up
    assertThat(json.get("new_conn_per_s").asLong()).as(out).isPositive();
  }
}
