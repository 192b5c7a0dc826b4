package io.statewall.netfilter.policy;

import io.statewall.netfilter.packet.Family;
import io.statewall.netfilter.packet.IpAddress;
import io.statewall.netfilter.packet.Packet;
import io.statewall.netfilter.rules.Attachments;
import io.statewall.netfilter.rules.Cidr;
import io.statewall.netfilter.rules.CompiledTable;
import io.statewall.netfilter.rules.ConnInfo;
import io.statewall.netfilter.rules.LogRecord;
import io.statewall.netfilter.rules.Outcome;
import io.statewall.netfilter.rules.RuleCounters;
import io.statewall.netfilter.rules.RuleSet;
import io.statewall.netfilter.rules.RuleTable;
import io.statewall.netfilter.rules.TableEvaluator;
import io.statewall.netfilter.rules.TableName;
import io.statewall.netfilter.rules.Target;
import io.statewall.netfilter.rules.Verdict;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;

/**
 * A loaded policy, immutable and safe to share between threads: the hosts with their rule sets, the
 * network's rule sets, the FTP helper ports and the offload timeout, with every table compiled.
 * A packet from A to B meets A's OUTPUT, the network's FORWARD and B's INPUT, in that order.
 */
public final class Policy {
  private final String source;
  private final Map<String, Host> hosts;
  private final RuleSet network;
  private final RuleSet network6;
  private final List<Integer> ftpPorts;
  private final int idleTimeout;
  private final List<String> warnings;
  private final LinkLayer linkLayer;
  private final List<Map.Entry<Cidr, String>> hostPrefixes;
  private final Map<RuleTable, TableEvaluator> evaluators = new IdentityHashMap<>();
  private final Map<String, Attachments> hostAttachments = new HashMap<>();
  /** Each host's stage labels for IPv4 and IPv6 ("host web rules"), made once, not per packet. */
  private final Map<String, String[]> hostLabels = new HashMap<>();

  private Policy(String source, List<Host> hosts, RuleSet network, RuleSet network6, List<Integer> ftpPorts,
      int idleTimeout, List<String> warnings, LinkLayer linkLayer, Function<RuleTable, TableEvaluator> engine) {
    this.source = source;
    this.linkLayer = linkLayer;
    Map<String, Host> m = new LinkedHashMap<>();
    List<Map.Entry<Cidr, String>> prefixes = new ArrayList<>();
    for (Host h : hosts) {
      m.put(h.id(), h);
      hostAttachments.put(h.id(), Attachments.host(h.addresses()));
      hostLabels.put(h.id(), new String[] {"host " + h.id() + " rules", "host " + h.id() + " rules6"});
      for (Cidr c : h.addresses()) {
        prefixes.add(Map.entry(c, h.id()));
      }
      compile(h.rules(), engine);
      compile(h.rules6(), engine);
    }
    prefixes.sort(Comparator.comparingInt((Map.Entry<Cidr, String> e) -> e.getKey().prefix()).reversed());
    this.hosts = Collections.unmodifiableMap(m);
    this.hostPrefixes = List.copyOf(prefixes);
    this.network = network;
    this.network6 = network6;
    compile(network, engine);
    compile(network6, engine);
    this.ftpPorts = List.copyOf(ftpPorts);
    this.idleTimeout = idleTimeout;
    this.warnings = List.copyOf(warnings);
  }

  /** A policy with compiled tables and the given ethertypes and gateways. */
  public static Policy compiled(String source, List<Host> hosts, RuleSet network, RuleSet network6,
      List<Integer> ftpPorts, int idleTimeout, List<String> warnings, LinkLayer linkLayer) {
    return new Policy(source, hosts, network, network6, ftpPorts, idleTimeout, warnings, linkLayer,
        CompiledTable::new);
  }

  /** The ethertypes beyond ARP, IP and LLDP that may cross the network, and the declared gateways. */
  public LinkLayer linkLayer() {
    return linkLayer;
  }

  private void compile(RuleSet set, Function<RuleTable, TableEvaluator> engine) {
    if (set != null) {
      for (RuleTable t : set.tables()) {
        if (t.name().enforced()) {
          evaluators.put(t, engine.apply(t));
        }
      }
    }
  }

  public String source() {
    return source;
  }

  public Map<String, Host> hosts() {
    return hosts;
  }

  public RuleSet network() {
    return network;
  }

  public RuleSet network6() {
    return network6;
  }

  public List<Integer> ftpPorts() {
    return ftpPorts;
  }

  /** Seconds an unused flow entry stays in a switch. */
  public int idleTimeout() {
    return idleTimeout;
  }

  /** Warnings from loading (IPv6 left open on hosts without rules6). */
  public List<String> warnings() {
    return warnings;
  }

  /** The id of the host that owns {@code address} (longest prefix wins), or null. */
  public String hostFor(IpAddress address) {
    for (Map.Entry<Cidr, String> e : hostPrefixes) {
      if (e.getKey().contains(address)) {
        return e.getValue();
      }
    }
    return null;
  }

  /** One place a packet meets a table: which rule set, which built-in chain, how interfaces answer. */
  private record Stage(String label, RuleSet set, String chain, Attachments at) {}

  /** The stages a packet meets, in order: its source host's, the network's, its destination host's. */
  private static final int STAGES = 3;

  /**
   * Stage {@code i} (0 to {@link #STAGES} - 1) of a packet's path, or null where it has none (a host
   * with no rules for the family, no network rules). One at a time rather than a list of them: every
   * packet walks them twice, and the lists were 3 % of what a whole connection allocated.
   */
  private Stage stage(int i, Family family, PathContext ctx, boolean raw) {
    int label = family == Family.IPV6 ? 1 : 0;
    switch (i) {
      case 0 -> {
        Host a = ctx.srcHost() == null ? null : hosts.get(ctx.srcHost());
        if (a == null || a.rules(family) == null) {
          return null;
        }
        // a packet a gateway only forwards walks its PREROUTING and FORWARD, not its OUTPUT
        String chain = ctx.srcRoutes() ? (raw ? "PREROUTING" : "FORWARD") : "OUTPUT";
        return new Stage(hostLabels.get(a.id())[label], a.rules(family), chain, hostAttachments.get(a.id()));
      }
      case 1 -> {
        RuleSet net = family == Family.IPV6 ? network6 : network;
        return net == null ? null : new Stage(label == 1 ? "network rules6" : "network rules", net,
            raw ? "PREROUTING" : "FORWARD", new NetworkAttachments(ctx.ingress(), ctx.egress(), ctx.reversePath(), this));
      }
      default -> {
        Host b = ctx.dstHost() == null ? null : hosts.get(ctx.dstHost());
        if (b == null || b.rules(family) == null) {
          return null;
        }
        return new Stage(hostLabels.get(b.id())[label], b.rules(family),
            raw ? "PREROUTING" : ctx.dstRoutes() ? "FORWARD" : "INPUT", hostAttachments.get(b.id()));
      }
    }
  }

  /** How a table is walked: a packet on its way (counted or not), or a what-if that changes nothing. */
  private enum Run { COUNTED, UNCOUNTED, WHAT_IF }

  private Outcome run(Stage s, TableName table, Packet p, ConnInfo ct, Run run) {
    RuleTable t = s.set().table(table);
    if (t == null) {
      return Outcome.acceptedWithoutRules(s.chain());
    }
    TableEvaluator e = evaluators.get(t);
    return run == Run.WHAT_IF ? e.whatIf(s.chain(), p, ct, s.at())
        : e.evaluate(s.chain(), p, ct, s.at(), run == Run.COUNTED);
  }

  private static Run run(boolean count) {
    return count ? Run.COUNTED : Run.UNCOUNTED;
  }

  /** The per-rule packet and byte counters of {@code table} (one of this policy's), or null when it is not enforced. */
  public RuleCounters counters(RuleTable table) {
    TableEvaluator e = evaluators.get(table);
    return e == null ? null : e.counters();
  }

  /**
   * Phase 1, before conntrack: the raw tables on the path (A's OUTPUT, the network's PREROUTING, B's
   * PREROUTING). The first CT template set wins, as in the kernel; {@code helpers.ftp} ports attach
   * the FTP helper to new TCP connections that no template gave one, like the old nf_conntrack_ftp.
   */
  public RawDecision raw(Packet p, PathContext ctx) {
    return raw(p, ctx, false);
  }

  /** {@link #raw(Packet, PathContext)}, counting {@code p} in the rules that match when {@code count}. */
  public RawDecision raw(Packet p, PathContext ctx, boolean count) {
    return raw(p, ctx, run(count));
  }

  /**
   * What {@link #raw(Packet, PathContext)} would decide, changing nothing: no counter counts and no
   * stateful match runs (see {@link TableEvaluator#whatIf}). For the offload analysis and dry runs.
   */
  public RawDecision whatIfRaw(Packet p, PathContext ctx) {
    return raw(p, ctx, Run.WHAT_IF);
  }

  private RawDecision raw(Packet p, PathContext ctx, Run run) {
    if (!p.isIp()) {
      return RawDecision.NOTHING;
    }
    List<LogRecord> logs = null;
    Target.Ct template = null;
    Decider templateBy = null;
    Family family = Family.of(p);
    for (int i = 0; i < STAGES; i++) {
      Stage s = stage(i, family, ctx, true);
      if (s == null) {
        continue;
      }
      Outcome o = run(s, TableName.RAW, p, ConnInfo.NOT_TRACKED_YET, run);
      if (!o.logs().isEmpty()) {
        if (logs == null) {
          logs = new ArrayList<>();
        }
        logs.addAll(o.logs());
      }
      if (o.ct() != null && template == null) {
        template = o.ct();
        templateBy = new Decider(s.label(), s.set().file(), 0, "CT template", s.chain());
      }
      if (o.verdict() != Verdict.ACCEPT) {
        return new RawDecision(Verdict.DROP, false, null, logs == null ? List.of() : logs,
            Decider.of(s.label(), s.set().file(), o));
      }
    }
    boolean notrack = template != null && template.notrack();
    String helper = template != null ? template.helper() : null;
    if (!notrack && helper == null && p.isTcp() && !p.fragment() && ftpPorts.contains(p.dstPort())) {
      helper = "ftp";
    }
    return new RawDecision(Verdict.ACCEPT, notrack, helper, logs == null ? List.of() : logs, templateBy);
  }

  /**
   * Every chain {@code p} walks on its path, raw tables first, then the filter tables with
   * {@code ct}, stopping where a chain does not accept: what {@link #raw} and {@link #filter}
   * decide, spelled out for a trace. Read-only: a what-if (stateful matches are not run).
   */
  public List<ChainStep> explain(Packet p, ConnInfo ct, PathContext ctx) {
    List<ChainStep> out = new ArrayList<>();
    if (!p.isIp()) {
      return out;
    }
    for (TableName table : List.of(TableName.RAW, TableName.FILTER)) {
      boolean raw = table == TableName.RAW;
      for (int i = 0; i < STAGES; i++) {
        Stage s = stage(i, Family.of(p), ctx, raw);
        if (s == null) {
          continue;
        }
        Outcome o = run(s, table, p, raw ? ConnInfo.NOT_TRACKED_YET : ct, Run.WHAT_IF);
        out.add(new ChainStep(s.label(), table.name().toLowerCase(Locale.ROOT), s.chain(), o.verdict(),
            Decider.of(s.label(), s.set().file(), o)));
        if (o.verdict() != Verdict.ACCEPT) {
          return out;
        }
      }
    }
    return out;
  }

  /** Phase 2, after conntrack: the filter tables on the path, stopping at the first that does not accept. */
  public FilterDecision filter(Packet p, ConnInfo ct, PathContext ctx) {
    return filter(p, ct, ctx, false);
  }

  /**
   * {@link #filter(Packet, ConnInfo, PathContext)}, counting {@code p} in the rules that match when
   * {@code count}: for a packet really on its way, not for a what-if.
   */
  public FilterDecision filter(Packet p, ConnInfo ct, PathContext ctx, boolean count) {
    return filter(p, ct, ctx, run(count));
  }

  /**
   * What {@link #filter(Packet, ConnInfo, PathContext)} would decide, changing nothing (see
   * {@link #whatIfRaw}): where a stateful match would run, its rule does not match and the decision
   * is not offloadable.
   */
  public FilterDecision whatIfFilter(Packet p, ConnInfo ct, PathContext ctx) {
    return filter(p, ct, ctx, Run.WHAT_IF);
  }

  private FilterDecision filter(Packet p, ConnInfo ct, PathContext ctx, Run run) {
    if (!p.isIp()) {
      return new FilterDecision(Verdict.ACCEPT, null, null, List.of(), true);
    }
    List<LogRecord> logs = null;
    boolean offloadable = true;
    Decider last = null;
    Family family = Family.of(p);
    for (int i = 0; i < STAGES; i++) {
      Stage s = stage(i, family, ctx, false);
      if (s == null) {
        continue;
      }
      Outcome o = run(s, TableName.FILTER, p, ct, run);
      if (!o.logs().isEmpty()) {
        if (logs == null) {
          logs = new ArrayList<>();
        }
        logs.addAll(o.logs());
      }
      offloadable &= o.offloadable();
      last = Decider.of(s.label(), s.set().file(), o);
      if (o.verdict() != Verdict.ACCEPT) {
        return new FilterDecision(o.verdict(), o.rejectWith(), last, logs == null ? List.of() : logs, offloadable);
      }
    }
    return new FilterDecision(Verdict.ACCEPT, null, last, logs == null ? List.of() : logs, offloadable);
  }
}
