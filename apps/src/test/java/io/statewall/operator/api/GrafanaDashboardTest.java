package io.statewall.operator.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import io.statewall.netfilter.packet.IpAddress;
import io.statewall.operator.source.ClusterStatus;
import io.statewall.operator.source.TopologyView;
import io.statewall.topology.Attachment;
import io.statewall.topology.Host;
import io.statewall.topology.Link;
import io.statewall.topology.TopologyListener;
import io.statewall.topology.fakes.FakeSwitch;
import java.util.Collection;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.projectfloodlight.openflow.protocol.OFBadRequestCode;
import org.projectfloodlight.openflow.protocol.OFFactories;
import org.projectfloodlight.openflow.protocol.OFFactory;
import org.projectfloodlight.openflow.protocol.OFPacketInReason;
import org.projectfloodlight.openflow.protocol.OFVersion;
import org.projectfloodlight.openflow.types.OFBufferId;
import org.projectfloodlight.openflow.types.TableId;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Grafana dashboard the package ships (packaging/grafana/statewall.json) asks only for metrics a
 * running controller's /metrics has: a renamed or removed metric fails here, not on an operator's
 * empty panel.
 */
class GrafanaDashboardTest {
  static final Path DASHBOARD = Path.of("..", "packaging", "grafana", "statewall.json");
  /** Series Prometheus makes itself for every target. */
  static final Set<String> PROMETHEUS_OWN = Set.of("up", "scrape_duration_seconds");
  static final Pattern METRIC = Pattern.compile("\\b((?:statewall|jvm|process)_[a-z0-9_]+|up(?=\\{))");

  @TempDir Path dir;

  @Test
  void everyMetricTheDashboardUsesIsOnMetrics() throws Exception {
    List<String> queries = queries(new ObjectMapper().readTree(Files.readString(DASHBOARD)));
    Set<String> used = new TreeSet<>();
    for (String q : queries) {
      Matcher m = METRIC.matcher(q);
      while (m.find()) {
        used.add(m.group(1));
      }
    }
    assertThat(used).as("metrics in %s", queries).hasSizeGreaterThan(15)
        .contains("statewall_verdicts_total", "statewall_packet_ins_total", "statewall_conntrack_entries",
            "jvm_memory_used_bytes", "process_cpu_seconds_total", "statewall_switch_info", "statewall_switch_role",
            "statewall_switch_role_epoch", "statewall_switch_unwritable", "statewall_cluster_members",
            "statewall_flow_mods_written_total", "statewall_switches_connected");

    Set<String> exposed;
    try (RunningController c = new RunningController(dir, null)) {
      c.connect(40000, 22); // verdicts and latency, so their labelled series exist
      HttpResponse<String> r = c.get("/metrics");
      assertThat(r.statusCode()).isEqualTo(200);
      exposed = names(r.body());
    }
    // series labelled by switch appear once a switch has sent one: the same metrics, told of one
    FirewallMetrics metrics = new FirewallMetrics();
    FakeSwitch sw = new FakeSwitch(1, OFVersion.OF_13, 1, 2);
    OFFactory f = OFFactories.getFactory(OFVersion.OF_13);
    metrics.packetIn(sw, f.buildPacketIn().setBufferId(OFBufferId.NO_BUFFER).setTableId(TableId.of(0))
        .setReason(OFPacketInReason.NO_MATCH).setData(new byte[0]).build());
    metrics.error(sw, f.errorMsgs().buildBadRequestErrorMsg().setCode(OFBadRequestCode.BAD_TYPE).build());
    metrics.watch(new OneSwitch(), ClusterStatus.STANDALONE);
    exposed.addAll(names(metrics.scrape()));
    used.removeAll(PROMETHEUS_OWN);
    assertThat(exposed).containsAll(used);
  }

  /** A network of one connected switch, for the series labelled by switch. */
  static final class OneSwitch implements TopologyView {
    @Override
    public List<SwitchState> switches() {
      return List.of(new SwitchState(1, "s1", "OF_13", true, true, 0, List.of(new Port(1, "s1-eth1", true))));
    }

    @Override
    public Set<Link> links() {
      return Set.of();
    }

    @Override
    public Collection<Host> hosts() {
      return List.of();
    }

    @Override
    public Optional<Host> hostByAddress(IpAddress address) {
      return Optional.empty();
    }

    @Override
    public Optional<io.statewall.topology.Path> path(Attachment src, Attachment dst) {
      return Optional.empty();
    }

    @Override
    public void addListener(TopologyListener listener) {}
  }

  /** The sample names of a Prometheus text scrape, and the families its TYPE lines declare. */
  static Set<String> names(String scrape) {
    Set<String> names = new TreeSet<>();
    for (String line : scrape.split("\n")) {
      if (line.startsWith("# TYPE ")) {
        String[] f = line.split(" ");
        names.add(f[2]);
        if (f[3].equals("counter")) {
          names.add(f[2] + "_total");
        }
      } else if (!line.startsWith("#") && !line.isBlank()) {
        names.add(line.split("[{ ]", 2)[0]);
      }
    }
    return names;
  }

  private static List<String> queries(JsonNode dashboard) {
    List<String> q = new ArrayList<>();
    dashboard.path("panels").forEach(p -> p.path("targets").forEach(t -> q.add(t.path("expr").asText())));
    dashboard.path("templating").path("list").forEach(v -> {
      if (v.path("type").asText().equals("query")) {
        q.add(v.path("query").asText());
      }
    });
    return q;
  }
}
