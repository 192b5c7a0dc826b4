package io.statewall.operator.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * GET /api/v1/policy/counters: each rule's packets and bytes as iptables -L -v counts them, for the
 * packets the controller judged, and not for what-ifs (a trace, a dry run).
 */
class RuleCountersApiTest {
  static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path dir;

  /** The counters of servers.rules line {@code line}: {packets, bytes}. */
  static long[] rule(JsonNode counters, int line) {
    for (JsonNode set : counters) {
      for (JsonNode chain : set.get("chains")) {
        for (JsonNode r : chain.get("rules")) {
          if (r.get("line").asInt() == line && r.get("file").asText().endsWith("servers.rules")) {
            return new long[] {r.get("packets").asLong(), r.get("bytes").asLong()};
          }
        }
      }
    }
    throw new AssertionError("no rule at servers.rules:" + line + " in " + counters);
  }

  @Test
  void theRulesThatJudgedAConnectionCountItsPackets() throws Exception {
    try (RunningController c = new RunningController(dir)) {
      JsonNode before = JSON.readTree(c.get("/api/v1/policy/counters").body());
      assertThat(before.get(0).get("name").asText()).isEqualTo("host 10.0.0.1 rules");
      assertThat(rule(before, 6)).containsExactly(0, 0);
      c.connect(40000, 22);
      // what-ifs walk the same rules and count nothing
      assertThat(c.get("/api/v1/trace?src=10.0.0.9&dst=10.0.0.1&dport=22").statusCode()).isEqualTo(200);
      assertThat(c.put("/api/v1/policy?dry-run=true", c.policyBody("policy.yaml")).statusCode()).isEqualTo(200);
      JsonNode after = JSON.readTree(c.get("/api/v1/policy/counters").body());
      // the SYN and the ACK came in on INPUT's ssh rule; the SYN-ACK left by OUTPUT's ESTABLISHED rule
      long[] ssh = rule(after, 6);
      long[] established = rule(after, 7);
      assertThat(ssh[0]).isEqualTo(2);
      assertThat(established[0]).isEqualTo(1);
      // bytes are the IP datagrams' lengths: three segments of the same size, without payload
      assertThat(established[1]).isPositive();
      assertThat(ssh[1]).isEqualTo(2 * established[1]);
      assertThat(rule(after, 5)).containsExactly(0, 0);
      JsonNode input = after.get(0).get("chains").get(0);
      assertThat(input.get("table").asText()).isEqualTo("filter");
      assertThat(input.get("chain").asText()).isEqualTo("INPUT");
      assertThat(input.get("policy").asText()).isEqualTo("DROP");
      assertThat(input.get("rules").get(1).get("text").asText()).contains("--dport 22");
    }
  }
}
