package io.statewall.operator.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.statewall.apps.main.OperatorViews;
import io.statewall.controller.ControllerConfig;
import io.statewall.controller.launch.RunOptions;
import io.statewall.controller.launch.UserError;
import io.statewall.netfilter.conntrack.CtDirection;
import io.statewall.netfilter.conntrack.CtTuple;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The operator API against a running controller, over real HTTP on loopback. */
class ApiServerTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir
  Path dir;
  RunningController c;

  @BeforeEach
  void start() throws Exception {
    c = new RunningController(dir);
  }

  @AfterEach
  void stop() {
    c.close();
  }

  static JsonNode json(HttpResponse<String> r) throws Exception {
    return JSON.readTree(r.body());
  }

  @Test
  void healthzAnswersOk() throws Exception {
    HttpResponse<String> r = c.get("/healthz");
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(json(r).get("status").asText()).isEqualTo("ok");
  }

  @Test
  void conntrackListsATrackedConnectionInConntrackFormat() throws Exception {
    c.connect(40000, 22);
    JsonNode page = json(c.get("/api/v1/conntrack"));
    assertThat(page.get("total").asInt()).isEqualTo(1);
    JsonNode e = page.get("items").get(0);
    assertThat(e.get("line").asText()).matches("tcp      6 \\d+ ESTABLISHED src=10\\.0\\.0\\.9 dst=10\\.0\\.0\\.1 "
        + "sport=40000 dport=22 src=10\\.0\\.0\\.1 dst=10\\.0\\.0\\.9 sport=22 dport=40000 .*mark=0 use=1");
    assertThat(e.get("original").get("dport").asInt()).isEqualTo(22);
    assertThat(e.get("tcpState").asText()).isEqualTo("ESTABLISHED");
  }

  static Stream<Arguments> filters() {
    return Stream.of(
        Arguments.of("proto=tcp", 2), Arguments.of("proto=udp", 0), Arguments.of("dport=22", 1),
        Arguments.of("dport=80&sport=40001", 1), Arguments.of("src=10.0.0.9", 2), Arguments.of("dst=10.0.0.9", 0),
        Arguments.of("addr=10.0.0.9", 2), Arguments.of("state=established", 2), Arguments.of("state=SYN_SENT", 0));
  }

  @ParameterizedTest(name = "{0} matches {1}")
  @MethodSource("filters")
  void conntrackFiltersOnTheOriginalTuple(String query, int expected) throws Exception {
    c.connect(40000, 22);
    c.connect(40001, 80);
    assertThat(json(c.get("/api/v1/conntrack?" + query)).get("total").asInt()).isEqualTo(expected);
  }

  @Test
  void conntrackPagesInAStableOrder() throws Exception {
    c.connect(40000, 22);
    c.connect(40001, 80);
    JsonNode first = json(c.get("/api/v1/conntrack?limit=1"));
    JsonNode second = json(c.get("/api/v1/conntrack?limit=1&offset=1"));
    JsonNode past = json(c.get("/api/v1/conntrack?limit=1&offset=5"));
    assertThat(first.get("total").asInt()).isEqualTo(2);
    assertThat(first.get("items")).hasSize(1);
    assertThat(second.get("items")).hasSize(1);
    assertThat(first.get("items").get(0).get("line").asText())
        .isNotEqualTo(second.get("items").get(0).get("line").asText());
    assertThat(past.get("items")).isEmpty();
  }

  @Test
  void deleteByTupleRemovesOnlyThatConnection() throws Exception {
    c.connect(40000, 22);
    c.connect(40001, 80);
    JsonNode r = json(c.delete("/api/v1/conntrack?proto=tcp&src=10.0.0.9&dst=10.0.0.1&sport=40000&dport=22"));
    assertThat(r.get("deleted").asInt()).isEqualTo(1);
    assertThat(c.firewall.tracker().entries()).extracting(e -> e.tuple(CtDirection.ORIGINAL))
        .containsExactly(CtTuple.ports("10.0.0.9", "10.0.0.1", 6, 40001, 80));
  }

  @Test
  void deleteAllFlushesAndDeleteWithoutFiltersIsRefused() throws Exception {
    c.connect(40000, 22);
    c.connect(40001, 80);
    HttpResponse<String> none = c.delete("/api/v1/conntrack");
    assertThat(none.statusCode()).isEqualTo(400);
    assertThat(c.firewall.tracker().entries()).hasSize(2);
    assertThat(json(c.delete("/api/v1/conntrack?all=true")).get("deleted").asInt()).isEqualTo(2);
    assertThat(c.firewall.tracker().entries()).isEmpty();
  }

  @Test
  void policyGetShowsTheCanonicalRulesAndTheirFiles() throws Exception {
    JsonNode p = json(c.get("/api/v1/policy"));
    assertThat(p.get("source").asText()).isEqualTo(c.policy.toString());
    assertThat(p.get("ruleSets").get(0).get("file").asText()).endsWith("servers.rules");
    assertThat(p.get("text").asText()).contains("# host 10.0.0.1 rules: ")
        .contains("-A INPUT -p tcp -m tcp --dport 22 -m state --state NEW,ESTABLISHED -j ACCEPT");
  }

  @Test
  void policyDryRunReportsTheCutConnectionAndChangesNothing() throws Exception {
    c.connect(40000, 22);
    c.connect(40001, 80);
    HttpResponse<String> r = c.put("/api/v1/policy?dry-run=true",
        c.policyBody("strict.yaml"));
    assertThat(r.statusCode()).isEqualTo(200);
    JsonNode v = json(r);
    assertThat(v.get("applied").asBoolean()).isFalse();
    assertThat(v.get("noLongerAccepted")).hasSize(1);
    JsonNode cut = v.get("noLongerAccepted").get(0);
    assertThat(cut.get("connection").asText()).contains("sport=40000 dport=22");
    assertThat(cut.get("verdict").asText()).isEqualTo("DROP");
    assertThat(cut.get("rule").get("text").asText()).isEqualTo("policy DROP of INPUT");
    assertThat(c.firewall.policies().current().source()).isEqualTo(c.policy.toString());
  }

  @Test
  void policyPutAppliesAtomically() throws Exception {
    HttpResponse<String> r = c.put("/api/v1/policy", c.policyBody("strict.yaml"));
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(json(r).get("applied").asBoolean()).isTrue();
    assertThat(c.firewall.policies().current().source()).isEqualTo("strict.yaml");
    assertThat(json(c.get("/api/v1/policy")).get("text").asText()).doesNotContain("--dport 22");
  }

  @Test
  void aPolicyThatFailsToLoadIsA400WithFileLineAndColumnAndChangesNothing() throws Exception {
    HttpResponse<String> r = c.put("/api/v1/policy", c.policyBody("bad.yaml"));
    assertThat(r.statusCode()).isEqualTo(400);
    JsonNode e = json(r);
    assertThat(e.get("file").asText()).isEqualTo("bad.rules");
    assertThat(e.get("line").asInt()).isEqualTo(3);
    assertThat(e.get("column").asInt()).isPositive();
    assertThat(e.get("error").asText()).startsWith("bad.rules:3:31: a target");
    assertThat(c.firewall.policies().current().source()).isEqualTo(c.policy.toString());
  }

  @Test
  void traceExplainsADropByTheChainPolicy() throws Exception {
    JsonNode t = json(c.get("/api/v1/trace?src=10.0.0.9&dst=10.0.0.1&proto=tcp&dport=23"));
    assertThat(t.get("verdict").asText()).isEqualTo("DROP");
    assertThat(t.get("state").asText()).isEqualTo("NEW");
    JsonNode last = t.get("chains").get(t.get("chains").size() - 1);
    assertThat(last.get("chain").asText()).isEqualTo("INPUT");
    assertThat(t.get("decidedBy").get("text").asText()).isEqualTo("policy DROP of INPUT");
  }

  @Test
  void traceNamesTheAcceptingRuleByFileAndLine() throws Exception {
    JsonNode t = json(c.get("/api/v1/trace?src=10.0.0.9&dst=10.0.0.1&proto=tcp&dport=22"));
    assertThat(t.get("verdict").asText()).isEqualTo("ACCEPT");
    assertThat(t.get("decidedBy").get("file").asText()).endsWith("servers.rules");
    assertThat(t.get("decidedBy").get("line").asInt()).isEqualTo(6);
    assertThat(t.get("decidedBy").get("text").asText()).contains("--dport 22");
  }

  @Test
  void traceOfABroadcastExplainsItPerReceivingHost() throws Exception {
    // issue 16: a datagram to the subnet's broadcast address was judged by no receiver's INPUT
    for (String dst : new String[] {"10.0.0.255", "255.255.255.255", "224.0.0.1"}) {
      JsonNode t = json(c.get("/api/v1/trace?src=10.0.0.4&dst=" + dst + "&proto=udp&dport=161"));
      JsonNode receivers = t.get("receivers");
      assertThat(receivers.isArray()).as(dst).isTrue();
      assertThat(receivers).as(dst).hasSize(1);
      assertThat(receivers.get(0).get("host").asText()).isEqualTo("10.0.0.1");
      assertThat(receivers.get(0).get("verdict").asText()).as(dst).isEqualTo("DROP");
      assertThat(receivers.get(0).get("decidedBy").get("text").asText()).isEqualTo("policy DROP of INPUT");
      assertThat(t.get("verdict").asText()).as("no receiver accepts it: nobody gets it").isEqualTo("DROP");
    }
    JsonNode unicast = json(c.get("/api/v1/trace?src=10.0.0.4&dst=10.0.0.1&proto=udp&dport=161"));
    assertThat(unicast.get("receivers").isNull()).as("a unicast datagram has its one receiver").isTrue();
  }

  @Test
  void traceOfAnExistingConnectionSeesItEstablished() throws Exception {
    c.connect(40000, 22);
    JsonNode t = json(c.get("/api/v1/trace?src=10.0.0.1&dst=10.0.0.9&proto=tcp&sport=22&dport=40000"));
    assertThat(t.get("state").asText()).isEqualTo("ESTABLISHED");
    assertThat(t.get("connection").asText()).contains("sport=40000 dport=22");
    assertThat(t.get("verdict").asText()).isEqualTo("ACCEPT");
    assertThat(t.get("decidedBy").get("line").asInt()).isEqualTo(7);
  }

  @Test
  void traceOfAnExpectedDataConnectionIsRelatedAndNamesTheExpectation() throws Exception {
    assertThat(c.put("/api/v1/policy", c.policyBody("ftp.yaml")).statusCode()).isEqualTo(200);
    io.statewall.netfilter.conntrack.TcpFlow ftp = c.connect(40002, 21);
    io.statewall.topology.Attachment at = io.statewall.topology.Attachment.of(1, 1);
    int psh = io.statewall.netfilter.packet.Packet.TCP_PSH | io.statewall.netfilter.packet.Packet.TCP_ACK;
    c.firewall.firewall().decide(ftp.s(psh, "220 ready\r\n"), at);
    c.firewall.firewall().decide(ftp.c(psh, "USER x\r\n"), at);
    c.firewall.firewall().decide(ftp.s(psh, "331 pass\r\n"), at);
    c.firewall.firewall().decide(ftp.c(psh, "PASV\r\n"), at);
    c.firewall.firewall().decide(ftp.s(psh, "227 Entering Passive Mode (10,0,0,1,195,80).\r\n"), at);
    JsonNode x = json(c.get("/api/v1/expectations"));
    assertThat(x).hasSize(1);
    assertThat(x.get(0).get("line").asText()).contains("src=10.0.0.9 dst=10.0.0.1 sport=0 dport=50000")
        .endsWith("helper=ftp");
    JsonNode t = json(c.get("/api/v1/trace?src=10.0.0.9&dst=10.0.0.1&proto=tcp&dport=50000"));
    assertThat(t.get("state").asText()).isEqualTo("RELATED");
    assertThat(t.get("expectation").asText()).contains("dport=50000").contains("master-src=10.0.0.9");
    assertThat(t.get("verdict").asText()).isEqualTo("ACCEPT");
  }

  @Test
  void metricsCountVerdictsAndConntrackInPrometheusFormat() throws Exception {
    c.connect(40000, 22);
    HttpResponse<String> r = c.get("/metrics");
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.headers().firstValue("Content-Type").orElse("")).startsWith("text/plain");
    assertThat(r.body())
        .contains("statewall_verdicts_total{action=\"ACCEPT\",chain=\"INPUT\"} 2.0")
        .contains("statewall_verdicts_total{action=\"ACCEPT\",chain=\"OUTPUT\"} 1.0")
        .contains("statewall_conntrack_entries 1.0")
        .contains("statewall_conntrack_expectations 0.0")
        .contains("statewall_conntrack_early_drops_total 0.0")
        .contains("statewall_flow_mods_sent_total")
        .contains("# TYPE statewall_decision_latency_seconds histogram");
  }

  static Stream<Arguments> badRequests() {
    return Stream.of(
        Arguments.of("GET", "/api/v1/conntrack?src=10.0.0.300", null, 400, "not an IPv4 or IPv6 address"),
        Arguments.of("GET", "/api/v1/conntrack?colour=red", null, 400, "unknown query parameter 'colour'"),
        Arguments.of("GET", "/api/v1/conntrack?dport=70000", null, 400, "dport"),
        Arguments.of("GET", "/api/v1/conntrack?limit=0", null, 400, "limit"),
        Arguments.of("GET", "/api/v1/conntrack?dport=1&dport=2", null, 400, "more than once"),
        Arguments.of("DELETE", "/api/v1/conntrack?all=maybe", null, 400, "true or false"),
        Arguments.of("DELETE", "/api/v1/conntrack?all=true&dport=22", null, 400, "without filters"),
        Arguments.of("GET", "/api/v1/trace?src=10.0.0.9", null, 400, "dst is required"),
        Arguments.of("GET", "/api/v1/trace?src=x&dst=10.0.0.1&dport=1", null, 400, "src"),
        Arguments.of("GET", "/api/v1/trace?src=10.0.0.9&dst=::1&dport=1", null, 400, "both be IPv4"),
        Arguments.of("GET", "/api/v1/trace?src=10.0.0.9&dst=10.0.0.1&proto=tcp", null, 400, "dport is required"),
        Arguments.of("GET", "/api/v1/trace?src=10.0.0.9&dst=10.0.0.1&dport=1&state=SLEEPY", null, 400, "state"),
        Arguments.of("GET", "/api/v1/trace?src=10.0.0.9&dst=10.0.0.1&proto=banana&dport=1", null, 400, "proto"),
        Arguments.of("PUT", "/api/v1/policy", "{\"policy\": ", 400, "malformed JSON"),
        Arguments.of("PUT", "/api/v1/policy", "[1,2]", 400, "malformed JSON"),
        Arguments.of("PUT", "/api/v1/policy", "{\"policy\": \"hosts: []\", \"force\": true}", 400, "force"),
        Arguments.of("PUT", "/api/v1/policy", "{}", 400, "the body must be"),
        Arguments.of("PUT", "/api/v1/policy", "", 400, "malformed JSON"),
        Arguments.of("PUT", "/api/v1/policy?dry-run=perhaps", "{}", 400, "true or false"),
        Arguments.of("GET", "/api/v1/conntrack?=1", null, 400, "without a name"),
        Arguments.of("GET", "/api/v1/conntrack?src=" + "a".repeat(20_000), null, 414, "URI Too Long"),
        // the controller reads no path it is given: not the policy, not a rule file
        Arguments.of("PUT", "/api/v1/policy", "{\"path\": \"/etc/passwd\"}", 400, "not a path"),
        Arguments.of("PUT", "/api/v1/policy", "{\"policy\": \"hosts:\\n  - address: 10.0.0.1\\n    rules: /etc/passwd\\n\"}",
            400, "no file '/etc/passwd' was given with the policy"),
        Arguments.of("PUT", "/api/v1/policy", "{\"policy\": \"hosts:\\n  - address: 10.0.0.1\\n    rules: x.rules\\n\", "
            + "\"files\": {\"x.rules\": \"root:x:0:0:root:/root:/bin/bash\\n\"}}", 400, "x.rules:1:1"),
        Arguments.of("PUT", "/api/v1/policy", "{\"policy\": \"root:x:0:0:root:/root:/bin/bash\"}", 400, "expected a mapping"),
        Arguments.of("PUT", "/api/v1/policy", "{\"policy\": 5}", 400, "expected a mapping"),
        Arguments.of("PUT", "/api/v1/policy", "{\"policy\": \"hosts: []\", \"name\": \"a\\nb\"}", 400, "control characters"),
        Arguments.of("PUT", "/api/v1/policy", "{\"policy\": \"hosts: []\"} {\"policy\": \"x\"}", 400,
            "malformed JSON body"),
        Arguments.of("GET", "/api/v1/nothing-here", null, 404, ""),
        Arguments.of("POST", "/api/v1/conntrack", "{}", 405, ""));
  }

  @ParameterizedTest(name = "{0} {1} -> {3}")
  @MethodSource("badRequests")
  void badRequestsGetA4xxJsonErrorSayingWhatIsWrong(String method, String path, String body, int status,
      String says) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(c.base() + path))
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
    HttpResponse<String> r = c.send(b, true);
    assertThat(r.statusCode()).as(r.body()).isEqualTo(status);
    JsonNode e = json(r);
    assertThat(e.get("status").asInt()).isEqualTo(status);
    assertThat(e.get("error").asText()).contains(says);
    assertThat(c.firewall.policies().current().source()).isEqualTo(c.policy.toString());
  }

  @Test
  void aQueryThatCannotBeDecodedIsA400NotAHalfReadFilter() throws Exception {
    try (java.net.Socket s = new java.net.Socket("127.0.0.1", c.api.getPort())) {
      s.setSoTimeout(10_000);
      s.getOutputStream().write(("GET /api/v1/conntrack?src=%zz HTTP/1.1\r\nHost: localhost\r\n"
          + "Authorization: Bearer " + c.token + "\r\n"
          + "Connection: close\r\n\r\n").getBytes(java.nio.charset.StandardCharsets.US_ASCII));
      String response = new String(s.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
      assertThat(response).startsWith("HTTP/1.1 400").contains("malformed query string");
    }
  }

  @Test
  void openApiDocumentsExactlyTheRoutesServed() throws Exception {
    JsonNode doc = json(c.get("/api/v1/openapi.json"));
    assertThat(doc.get("openapi").asText()).startsWith("3.");
    List<String> documented = new ArrayList<>();
    for (Iterator<Map.Entry<String, JsonNode>> it = doc.get("paths").fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> p = it.next();
      p.getValue().fieldNames().forEachRemaining(m -> documented.add(m.toUpperCase() + " " + p.getKey()));
    }
    assertThat(documented).containsExactlyInAnyOrder("GET /healthz", "GET /metrics", "GET /api/v1/openapi.json",
        "GET /api/v1/switches", "GET /api/v1/cluster", "POST /api/v1/cluster/rebalance", "GET /api/v1/links",
        "GET /api/v1/hosts",
        "GET /api/v1/conntrack",
        "DELETE /api/v1/conntrack", "GET /api/v1/expectations", "GET /api/v1/policy", "PUT /api/v1/policy",
        "GET /api/v1/policy/counters",
        "GET /api/v1/trace", "GET /api/v1/events/network", "GET /api/v1/events/verdicts");
    // every documented operation is served (not 404 or 405), and an undocumented one is not
    for (String op : documented) {
      String[] mp = op.split(" ");
      HttpResponse<String> r = c.send(HttpRequest.newBuilder(URI.create(c.base() + mp[1]))
          .method(mp[0], HttpRequest.BodyPublishers.noBody()), true);
      assertThat(r.statusCode()).as(op).isNotIn(404, 405, 500);
    }
    assertThat(c.get("/api/v1/routes").statusCode()).isEqualTo(404);
  }

  @Test
  void aControllerOnItsOwnIsClusterNone() throws Exception {
    JsonNode cluster = json(c.get("/api/v1/cluster"));
    assertThat(cluster.get("cluster").asText()).isEqualTo("none");
    assertThat(cluster.get("member").isNull()).isTrue();
    assertThat(cluster.get("members")).isEmpty();
    assertThat(cluster.get("switches")).isEmpty();
    assertThat(cluster.get("replicationLagSeconds").isNull()).isTrue();
    HttpResponse<String> rebalance = c.send(HttpRequest.newBuilder(URI.create(c.base() + "/api/v1/cluster/rebalance"))
        .POST(HttpRequest.BodyPublishers.noBody()), true);
    assertThat(rebalance.statusCode()).isEqualTo(409);
    assertThat(json(rebalance).get("error").asText()).contains("runs on its own");
  }

  @Test
  void switchesLinksHostsAndExpectationsAreJsonLists() throws Exception {
    for (String p : List.of("/api/v1/switches", "/api/v1/links", "/api/v1/hosts", "/api/v1/expectations")) {
      HttpResponse<String> r = c.get(p);
      assertThat(r.statusCode()).as(p).isEqualTo(200);
      assertThat(json(r).isArray()).as(p).isTrue();
    }
  }

  @Test
  void aTokenFileEveryoneMayReadIsRefusedWithAReason() throws Exception {
    Path token = dir.resolve("open-token");
    java.nio.file.Files.writeString(token, "0123456789abcdef0123\n");
    java.nio.file.Files.setPosixFilePermissions(token, java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
    RunOptions o = new RunOptions(c.policy, ControllerConfig.defaults(),
        io.statewall.controller.launch.ApiConfig.of("127.0.0.1:0", token));
    assertThatThrownBy(() -> ApiApp.forRun(o, ctx -> OperatorViews.of(c.firewall, null, null, null), new FirewallMetrics()))
        .isInstanceOf(UserError.class).hasMessageContaining("chmod 600").hasMessageNotContaining("\n");
  }

  @Test
  void aPortInUseFailsStartWithTheAddressAndReason() {
    ApiServer second = new ApiServer(new ApiSettings("127.0.0.1", c.api.getPort(), "0123456789abcdef"),
        OperatorViews.of(c.firewall, null, null, null), new FirewallMetrics());
    assertThatThrownBy(second::start).isInstanceOf(java.io.UncheckedIOException.class)
        .hasMessageContaining("cannot start the API on http://127.0.0.1:" + c.api.getPort());
  }

  @Test
  void apiOffStartsNoServer() throws Exception {
    RunOptions o = new RunOptions(c.policy, ControllerConfig.defaults(),
        io.statewall.controller.launch.ApiConfig.of("off", null));
    assertThat(ApiApp.forRun(o, ctx -> OperatorViews.of(c.firewall, null, null, null), new FirewallMetrics())).isEmpty();
  }
}
