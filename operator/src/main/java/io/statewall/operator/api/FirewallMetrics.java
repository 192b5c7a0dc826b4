package io.statewall.operator.api;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.CounterWithCallback;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.instrumentation.jvm.JvmMetrics;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.statewall.netfilter.judge.Judgement;
import io.statewall.netfilter.packet.Packet;
import io.statewall.netfilter.rules.Verdict;
import io.statewall.operator.source.ClusterStatus;
import io.statewall.operator.source.MetricsSource;
import io.statewall.operator.source.TopologyView;
import io.statewall.controller.ChannelStats;
import io.statewall.controller.app.AppContext;
import io.statewall.controller.app.ListenerResult;
import io.statewall.controller.switches.SwitchHandle;
import io.statewall.topology.Attachment;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.EnumMap;
import java.util.Locale;
import org.projectfloodlight.openflow.protocol.OFErrorMsg;
import org.projectfloodlight.openflow.protocol.OFPacketIn;
import org.projectfloodlight.openflow.types.DatapathId;

/**
 * The firewall's Prometheus metrics: packet-ins by switch, verdicts by action and deciding chain,
 * decision latency (from the packet-in's arrival to the verdict, on the same channel thread),
 * OpenFlow errors, conntrack and flow-mod figures read at scrape time, and the JVM's and the
 * process's own metrics.
 */
public final class FirewallMetrics {
  /** Before topology (10): every packet-in is counted and its arrival stamped. */
  static final int PACKET_IN_ORDER = 0;

  private final PrometheusRegistry registry = new PrometheusRegistry();
  private final Counter packetIns;
  private final Counter verdicts;
  private final Counter errors;
  private final Histogram latency;
  /**
   * Each switch's packet-in counter, its label formatted once: {@code String.format} for every packet-in
   * was 6 % of the switch threads' samples under load (session 13, ClusterUnderLoadTest).
   */
  private final DataPoints<DatapathId> packetInsBySwitch;
  /** By verdict, then by the deciding chain's name. */
  private final EnumMap<Verdict, DataPoints<String>> verdictsByChain = new EnumMap<>(Verdict.class);
  /** Told of every decision after the counting: the web view's verdict stream, while the API serves. */
  private volatile DecisionTap tap = DecisionTap.NONE;
  /** When the packet-in being handled on this thread arrived (ns); 0 when none. */
  private final ThreadLocal<long[]> arrival = ThreadLocal.withInitial(() -> new long[1]);

  public FirewallMetrics() {
    packetIns = Counter.builder().name("statewall_packet_ins").help("OpenFlow packet-ins received, by switch")
        .labelNames("switch").register(registry);
    verdicts = Counter.builder().name("statewall_verdicts")
        .help("Firewall verdicts, by action and the chain that decided (none: conntrack or a helper)")
        .labelNames("action", "chain").register(registry);
    packetInsBySwitch = new DataPoints<>(id -> packetIns.labelValues(NetworkViews.dpid(id.getLong())));
    for (Verdict v : Verdict.values()) {
      verdictsByChain.put(v, new DataPoints<>(chain -> verdicts.labelValues(v.name(), chain)));
    }
    errors = Counter.builder().name("statewall_openflow_errors").help("OpenFlow error messages from switches")
        .labelNames("switch", "type").register(registry);
    latency = Histogram.builder().name("statewall_decision_latency_seconds")
        .help("Time from a packet-in's arrival to the firewall's verdict").classicOnly()
        .classicUpperBounds(0.00001, 0.000025, 0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01,
            0.025, 0.1)
        .register(registry);
    // the process beside the firewall: jvm_memory_*, jvm_gc_*, jvm_threads_*, process_cpu_seconds_total, ...
    JvmMetrics.builder().register(registry);
  }

  /**
   * Adds the figures the firewall, conntrack, the flow service and the packet-in guards keep
   * themselves, read at each scrape.
   */
  public void watch(MetricsSource source) {
    GaugeWithCallback.builder().name("statewall_conntrack_entries").help("Tracked connections now")
        .callback(cb -> cb.call(source.conntrack().entries())).register(registry);
    GaugeWithCallback.builder().name("statewall_conntrack_expectations").help("Pending expectations now")
        .callback(cb -> cb.call(source.conntrack().expectations())).register(registry);
    GaugeWithCallback.builder().name("statewall_offloaded_connections")
        .help("Tracked connections with entries in the switches").callback(cb -> cb.call(source.offloaded()))
        .register(registry);
    CounterWithCallback.builder().name("statewall_conntrack_early_drops")
        .help("Unassured connections evicted because the table was full")
        .callback(cb -> cb.call(source.conntrack().earlyDrop())).register(registry);
    CounterWithCallback.builder().name("statewall_conntrack_inserts").help("Connections confirmed into the table")
        .callback(cb -> cb.call(source.conntrack().created())).register(registry);
    CounterWithCallback.builder().name("statewall_conntrack_invalid").help("Packets conntrack found INVALID")
        .callback(cb -> cb.call(source.conntrack().invalid())).register(registry);
    CounterWithCallback.builder().name("statewall_flow_mods_sent").help("Flow-mods (adds and deletes) sent to switches")
        .callback(cb -> cb.call(source.flowModsSent())).register(registry);
    CounterWithCallback.builder().name("statewall_flow_mods_written")
        .help("Flow-mods sent to switches, by what they were for").labelNames("purpose")
        .callback(cb -> source.flowModsByPurpose().forEach((purpose, n) -> cb.call(n, purpose)))
        .register(registry);
    CounterWithCallback.builder().name("statewall_flow_mods_skipped")
        .help("Entries left out by the per-switch flow-mod limits, by kind (drop: the packet was dropped all the same)")
        .labelNames("kind")
        .callback(cb -> {
          cb.call(source.skippedDrops(), "drop");
          cb.call(source.skippedConnections(), "connection");
        }).register(registry);
    CounterWithCallback.builder().name("statewall_flow_table_full_errors")
        .help("TABLE_FULL errors from switches (each stops drop entries to that switch for a while)")
        .callback(cb -> cb.call(source.tableFullErrors())).register(registry);
    CounterWithCallback.builder().name("statewall_packet_ins_dropped")
        .help("Packet-ins dropped by the controller's per-port and per-switch limits")
        .callback(cb -> cb.call(source.packetInsDropped())).register(registry);
    GaugeWithCallback.builder().name("statewall_metered_switches")
        .help("Switches whose table-miss entries are metered in the switch")
        .callback(cb -> cb.call(source.meteredSwitches())).register(registry);
  }

  /**
   * Adds the switches' and the cluster's state, per connected switch: its OpenFlow version (an info
   * gauge, 1), whether its send buffer is full (flow-mods queueing: 1), this controller's role at it
   * (info gauge) and the fencing epoch of that role; and the cluster's members.
   */
  public void watch(TopologyView network, ClusterStatus cluster) {
    GaugeWithCallback.builder().name("statewall_switch_info").help("Connected switches (1), by OpenFlow version")
        .labelNames("switch", "version")
        .callback(cb -> network.switches().forEach(s -> cb.call(1, NetworkViews.dpid(s.dpid()), s.version()))).register(registry);
    GaugeWithCallback.builder().name("statewall_switch_unwritable")
        .help("1 while a switch's send buffer is above its high-water mark: writes (flow-mods too) queue up")
        .labelNames("switch")
        .callback(cb -> network.switches().forEach(s -> cb.call(s.writable() ? 0 : 1, NetworkViews.dpid(s.dpid()))))
        .register(registry);
    GaugeWithCallback.builder().name("statewall_switch_role").help("This controller's OpenFlow role at each switch (1)")
        .labelNames("switch", "role")
        .callback(cb -> network.switches().forEach(s -> cb.call(1, NetworkViews.dpid(s.dpid()), cluster.role(s.dpid()))))
        .register(registry);
    GaugeWithCallback.builder().name("statewall_switch_role_epoch")
        .help("The fencing epoch (role generation) this controller holds at each switch").labelNames("switch")
        .callback(cb -> network.switches().forEach(s -> cb.call(cluster.epoch(s.dpid()), NetworkViews.dpid(s.dpid()))))
        .register(registry);
    GaugeWithCallback.builder().name("statewall_cluster_members")
        .help("Members of the controller cluster this controller sees, itself included")
        .callback(cb -> cb.call(cluster.members())).register(registry);
    // no samples on a process on its own: it has no Raft log
    GaugeWithCallback.builder().name("statewall_raft_commit_index")
        .help("The last Raft log entry this member knows committed (and has applied: RAFT applies as it commits)")
        .callback(cb -> cluster.membership().ifPresent(m -> cb.call(m.commitIndex()))).register(registry);
    GaugeWithCallback.builder().name("statewall_raft_last_appended_index")
        .help("The last entry in this member's Raft log, committed or not yet")
        .callback(cb -> cluster.membership().ifPresent(m -> cb.call(m.lastAppended()))).register(registry);
    GaugeWithCallback.builder().name("statewall_raft_applied_index")
        .help("The last Raft log entry a member applied: this member's own, and on the leader every member's in "
            + "its view as last reported (statewall_raft_commit_index minus it: how far a member is behind)")
        .labelNames("member")
        .callback(cb -> cluster.membership().ifPresent(m -> m.members().forEach(x ->
            x.applied().ifPresent(a -> cb.call(a, x.id()))))).register(registry);
    // no samples on a process on its own: it replicates nothing
    GaugeWithCallback.builder().name("statewall_replication_lag_seconds")
        .help("Conntrack replication: from another member's transition to its change applied here, the last one")
        .callback(cb -> cluster.replication().ifPresent(r -> cb.call(r.lagLastMillis() / 1000.0))).register(registry);
    GaugeWithCallback.builder().name("statewall_replication_lag_max_seconds")
        .help("Conntrack replication: the largest lag seen")
        .callback(cb -> cluster.replication().ifPresent(r -> cb.call(r.lagMaxMillis() / 1000.0))).register(registry);
    GaugeWithCallback.builder().name("statewall_replication_queue")
        .help("Conntrack replication: this member's transitions waiting for its next batch")
        .callback(cb -> cluster.replication().ifPresent(r -> cb.call(r.queueLength()))).register(registry);
    CounterWithCallback.builder().name("statewall_replication_batches_sent")
        .help("Conntrack replication: batches this member sent as an owner (resets included, resends not)")
        .callback(cb -> cluster.replication().ifPresent(r -> cb.call(r.batchesSent()))).register(registry);
    CounterWithCallback.builder().name("statewall_replication_batches_lost")
        .help("Conntrack replication: batches of other members found missing here")
        .callback(cb -> cluster.replication().ifPresent(r -> cb.call(r.batchesLost()))).register(registry);
    CounterWithCallback.builder().name("statewall_replication_batches_resent")
        .help("Conntrack replication: batches this member sent again on a follower's request")
        .callback(cb -> cluster.replication().ifPresent(r -> cb.call(r.batchesResent()))).register(registry);
    CounterWithCallback.builder().name("statewall_replication_replicas_promoted")
        .help("Conntrack replication: other members' connections committed to live conntrack here by takeovers")
        .callback(cb -> cluster.replication().ifPresent(r -> cb.call(r.replicasPromoted()))).register(registry);
  }

  /** Packet-ins counted from switch {@code dpid} so far. */
  long packetIns(long dpid) {
    return (long) packetIns.labelValues(NetworkViews.dpid(dpid)).get();
  }

  /** Registers the packet-in and error listeners, and the switch channels' figures. */
  public void listen(AppContext context) {
    context.addMessageListener(OFPacketIn.class, PACKET_IN_ORDER, this::packetIn);
    context.addMessageListener(OFErrorMsg.class, PACKET_IN_ORDER, this::error);
    watch(context.channelStats());
    GaugeWithCallback.builder().name("statewall_switches_connected")
        .help("Switches connected and past their handshake").callback(cb -> cb.call(context.switches().ready().size()))
        .register(registry);
  }

  /**
   * What the switch channels refused, dropped and disconnected: rogue switches (an impostor of a live
   * datapath id, one not allowed, a certificate that does not name it) and the bounds an
   * unauthenticated peer meets (docs/security.md).
   */
  void watch(ChannelStats channels) {
    CounterWithCallback.builder().name("statewall_switches_refused")
        .help("Switch connections refused, by reason").labelNames("reason")
        .callback(cb -> {
          for (ChannelStats.Refusal r : ChannelStats.Refusal.values()) {
            cb.call(channels.refusedCount(r), r.name().toLowerCase(Locale.ROOT));
          }
        }).register(registry);
    CounterWithCallback.builder().name("statewall_switch_sessions_replaced")
        .help("Dead switch sessions dropped for a new connection with the same datapath id")
        .callback(cb -> cb.call(channels.staleSessionsReplaced())).register(registry);
    CounterWithCallback.builder().name("statewall_channel_limit_drops")
        .help("Messages dropped at a channel bound, by bound").labelNames("limit")
        .callback(cb -> {
          for (ChannelStats.Limit l : ChannelStats.Limit.values()) {
            cb.call(channels.droppedCount(l), l.name().toLowerCase(Locale.ROOT));
          }
        }).register(registry);
    CounterWithCallback.builder().name("statewall_channel_limit_disconnects")
        .help("Switches disconnected at a channel bound, by bound").labelNames("limit")
        .callback(cb -> {
          for (ChannelStats.Limit l : ChannelStats.Limit.values()) {
            cb.call(channels.disconnectedCount(l), l.name().toLowerCase(Locale.ROOT));
          }
        }).register(registry);
    CounterWithCallback.builder().name("statewall_early_packet_ins_delivered")
        .help("Packet-ins held during a switch's handshake and delivered once it was ready")
        .callback(cb -> cb.call(channels.earlyPacketInsDelivered())).register(registry);
  }

  ListenerResult packetIn(SwitchHandle sw, OFPacketIn pi) {
    packetInsBySwitch.get(sw.id()).inc();
    arrival.get()[0] = System.nanoTime();
    return ListenerResult.CONTINUE;
  }

  ListenerResult error(SwitchHandle sw, OFErrorMsg e) {
    errors.labelValues(dpid(sw), e.getErrType().name()).inc();
    return ListenerResult.CONTINUE;
  }

  /** Counts a decision and times it from its packet-in's arrival; on the packet's channel thread. */
  public void decided(Packet packet, Attachment ingress, Judgement j) {
    String chain = j.decidedBy() == null ? "none" : j.decidedBy().chain();
    verdictsByChain.get(j.verdict()).get(chain).inc();
    long[] at = arrival.get();
    if (at[0] != 0) {
      latency.observe((System.nanoTime() - at[0]) / 1e9);
      at[0] = 0;
    }
    tap.decided(packet, ingress, j);
  }

  /** Who else hears each decision ({@link DecisionTap#NONE}: no one). */
  void tap(DecisionTap listener) {
    tap = listener;
  }

  /** The registry in Prometheus text format 0.0.4. */
  public String scrape() {
    ByteArrayOutputStream out = new ByteArrayOutputStream(8192);
    try {
      PrometheusTextFormatWriter.create().write(out, registry.scrape());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toString(StandardCharsets.UTF_8);
  }

  public static String contentType() {
    return PrometheusTextFormatWriter.CONTENT_TYPE;
  }

  private static String dpid(SwitchHandle sw) {
    return NetworkViews.dpid(sw.id().getLong());
  }
}
