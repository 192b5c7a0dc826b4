package io.statewall.apps.main;

import io.statewall.cluster.ClusterConfig;
import io.statewall.cluster.ClusterListener;
import io.statewall.cluster.ClusterMember;
import io.statewall.cluster.ClusterRoles;
import io.statewall.cluster.LldpKey;
import io.statewall.cluster.Mastership;
import io.statewall.cluster.MastershipStateMachine;
import io.statewall.cluster.Placement;
import io.statewall.cluster.PolicyContent;
import io.statewall.cluster.SwitchReadiness;
import io.statewall.cluster.replication.ConntrackReplicator;
import io.statewall.cluster.replication.ReplicationMetrics;
import io.statewall.controller.app.App;
import io.statewall.controller.app.AppContext;
import io.statewall.controller.launch.ClusterOptions;
import io.statewall.controller.launch.HostPort;
import io.statewall.controller.roles.RoleRequester;
import io.statewall.controller.roles.WriteFence;
import io.statewall.firewall.FirewallApp;
import io.statewall.firewall.PolicyReloader;
import io.statewall.netfilter.conntrack.CtDirection;
import io.statewall.netfilter.conntrack.CtEntry;
import io.statewall.netfilter.packet.Packet;
import io.statewall.netfilter.policy.FilterDecision;
import io.statewall.netfilter.policy.PathContext;
import io.statewall.netfilter.policy.Policy;
import io.statewall.netfilter.policy.PolicyException;
import io.statewall.netfilter.policy.PolicyLoader;
import io.statewall.operator.api.ApiError;
import io.statewall.operator.source.ClusterStatus;
import io.statewall.operator.source.PolicyControl;
import io.statewall.topology.TopologyManager;
import io.statewall.topology.discovery.LldpSigner;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import org.projectfloodlight.openflow.types.DatapathId;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A cluster member's part of {@code run}'s composition root (docs/cluster.md): the {@link ClusterMember},
 * role requests driven by the committed mastership (MASTER at the epoch for the switches this member
 * masters, SLAVE elsewhere) behind a {@link WriteFence}, and the policy through Raft. A reload of the
 * local file or an API apply commits the policy's text; every member, this one too, compiles what was
 * committed and swaps it in as a local reload does. A member declares itself ready only once it runs the
 * committed policy, and one that cannot compile it withdraws (masters nothing) and says why. Its
 * conntrack is replicated ({@link ConntrackReplicator}): the firewall's transitions and offload cookies
 * go to the others, and a switch taken over from another member gets that member's connections committed
 * here before the MASTER request goes out.
 */
final class ClusterWiring {
  private static final Logger log = LoggerFactory.getLogger(ClusterWiring.class);
  /** Between tries to commit the first policy when the leader's commit failed. */
  private static final long SEED_RETRY_MS = 1_000;
  /**
   * How long a joining member's readiness waits for its conntrack replication to catch up (every other
   * owner's whole table applied) before it is allowed anyway, with a warning (docs/cluster.md).
   */
  static final Duration CATCH_UP_TIMEOUT = Duration.ofSeconds(10);

  /** Compiles a committed policy's text (tests give a member one that refuses). */
  @FunctionalInterface
  interface Compiler {
    Policy compile(PolicyText text) throws PolicyException;
  }

  /**
   * How a member is made from {@code run}'s options: its cluster config (TCP between processes; tests
   * use members in one JVM) and its compiler.
   */
  record Setup(Function<ClusterOptions, ClusterConfig> config, Compiler compiler) {
    static final Setup TCP = new Setup(ClusterWiring::tcp, text -> text.compile(new PolicyLoader()));
  }

  private final ClusterOptions options;
  private final ClusterMember member;
  private final Duration commitTimeout;
  private final Compiler compiler;
  private final FirewallApp firewall;
  private final WriteFence fence = new WriteFence();
  private final RoleRequester roles;
  private final SwitchReadiness readiness;
  private final ConntrackReplicator replicator;
  /** This member's links and hosts to the others, theirs into its topology (over the replication channel). */
  private final TopologySharing topologySharing;
  /** A connection's writes for another member's switch to that master; that switch's packet-ins of it back here. */
  private final CrossSwitchRelay crossSwitch;
  /** Done once the cluster's LLDP key signs this member's probes: it is not ready (probes nothing) before. */
  private final CompletableFuture<Void> lldpKeyInstalled = new CompletableFuture<>();
  /** Compiles committed policies one at a time, in commit order, off RAFT's thread; and retries the seed. */
  private final ScheduledExecutorService work;
  private final Object compiledLock = new Object();
  /** The policy last loaded from this member's own file, and its text: what it commits when the cluster has none. */
  private volatile PolicyText.Loaded local;
  private long compiledGeneration;
  private long failedGeneration;
  private String policyError;

  /** {@code conntrackMax}: the firewall's conntrack maximum, which bounds each other member's replicas here too. */
  ClusterWiring(ClusterOptions options, Setup setup, FirewallApp firewall, TopologyManager topology,
      LldpSigner lldp, int conntrackMax, PolicyText.Loaded local) {
    this.options = options;
    ClusterConfig config = setup.config().apply(options);
    this.member = new ClusterMember(config);
    member.balanceAfter(options.balanceAfter());
    this.commitTimeout = config.commitTimeout();
    this.compiler = setup.compiler();
    this.firewall = firewall;
    this.local = local;
    this.roles = new RoleRequester(new ClusterRoles(member), fence);
    // ready only once the committed policy runs here
    this.readiness = new SwitchReadiness(member, false);
    this.work = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "statewall-cluster-policy-" + options.member());
      t.setDaemon(true);
      return t;
    });
    member.addListener(new ClusterListener() {
      @Override
      public void policyCommitted(PolicyContent policy) {
        later(() -> compile(policy));
      }

      @Override
      public void lldpKeyCommitted(LldpKey key) {
        // on RAFT's thread, before this member can be master of anything: its first probe is signed with it
        lldp.useKey(key.bytes());
        lldpKeyInstalled.complete(null);
      }
    });
    member.onLeader(() -> later(this::seed));
    member.onLeader(() -> later(this::seedLldpKey));
    member.onLeader(() -> later(this::seedPlacement));
    // on the replication channel of the member's transport; the takeover hook runs on the roles thread
    // before the MASTER request, so the previous master's connections are live when its packets come
    this.replicator = FirewallReplication.replicator(config, firewall, topology, conntrackMax);
    firewall.offloads().setListener(replicator::offloaded);
    // each member learns from the switches it masters; the others' links and hosts join its own view
    this.topologySharing = new TopologySharing(options.member(), topology, replicator);
    // a path across switches of two masters: each writes its own switches, and the owner judges every packet
    // (and their FLOW_REMOVED, which the switch sends to its master only, go back to the owner)
    this.crossSwitch = new CrossSwitchRelay(member, fence, replicator, firewall.tracker(), firewall.flows(),
        firewall.offloads(), firewall.counters());
    // a previous master still ready gave the switch up to a rebalance: its connections of unknown ingress
    // stay its own (it hands over only those it knows entered there); of a departed one's, one heir takes
    // them (the one of its lowest switch), not each of them
    member.onTakeover((dpid, previous, first) -> replicator.promote(previous, dpid,
        first && !member.state().view().ready().containsKey(previous)));
    member.addListener(new KeptSwitchPromotion());
    // what it saw at a switch it hands over only ages from now on: the new master's view of those hosts wins
    member.onHandover((dpid, next) -> {
      replicator.handOver(next, dpid);
      topology.handedOver(DatapathId.of(dpid));
    });
    // back after being committed as left (paused, cut off): ready again once its replicas are whole again
    // (its replication channel merged as its Raft channel did: an owner not in sight yet is not waited for)
    member.gateReady(() -> replicator.viewSize() >= member.viewSize() && replicator.caughtUpSinceAbsences(),
        CATCH_UP_TIMEOUT);
    // a switch's entries are adopted by its master only, once the switch confirmed it (not while SLAVE)
    firewall.reconciler().reconcileWhenMaster(fence::mayWrite);
    // the entries another live member set up across a switch this member takes are that member's
    firewall.reconciler().keepOwnedElsewhere(cookie -> replicator.liveOwnerOfCookie(cookie.getValue()).isPresent());
    fence.onOpen((dpid, generation) -> {
      firewall.reconciler().mastered(dpid);
      topology.mastered(dpid);
      // its probes were held back while SLAVE: the links at this switch are learned now, not a round later
      topology.probe(dpid);
    });
  }

  /** The member's config for processes on one network: TCP on its own peer address, TCPPING to the others. */
  static ClusterConfig tcp(ClusterOptions o) {
    return new ClusterConfig(o.name(), o.member(), o.ids(),
        new ClusterConfig.Tcp(socket(o.self()), o.others().stream().map(ClusterWiring::socket).toList()),
        Optional.empty(), ClusterConfig.DEFAULT_COMMIT_TIMEOUT);
  }

  private static InetSocketAddress socket(HostPort a) {
    return new InetSocketAddress(a.host(), a.port());
  }

  /** The apps to start after the firewall: role requests, readiness, and the member itself. */
  List<App> apps() {
    return List.of(roles, readiness, crossSwitch, new MemberApp());
  }

  WriteFence fence() {
    return fence;
  }

  ClusterMember member() {
    return member;
  }

  ConntrackReplicator replicator() {
    return replicator;
  }

  CrossSwitchRelay crossSwitch() {
    return crossSwitch;
  }

  TopologySharing topologySharing() {
    return topologySharing;
  }

  /** Whether this member may be master now: it runs the committed policy. */
  boolean ready() {
    return readiness.allowed();
  }

  /** The reloader's target: a reload of the local file commits it (after it loaded here), for every member. */
  PolicyReloader.Target reloads() {
    return new PolicyReloader.Target() {
      @Override
      public Policy current() {
        return local.policy();
      }

      @Override
      public Policy reload(Path policyFile) throws PolicyException, IOException {
        PolicyText.Loaded loaded = PolicyText.read(policyFile, new PolicyLoader());
        loaded.policy().warnings().forEach(w -> log.warn("{}", w));
        long generation;
        try {
          generation = commit(loaded.text());
        } catch (ExecutionException | TimeoutException e) {
          throw new IOException("the cluster did not commit it: " + cause(e), e);
        }
        local = loaded;
        log.info("member {}: policy {} committed to the cluster as generation {}", options.member(),
            loaded.text().name(), generation);
        return loaded.policy();
      }
    };
  }

  /** The API's policy control: an apply commits the text (a dry run never gets here, it stays local). */
  PolicyControl policyControl(PolicyControl here) {
    return new PolicyControl() {
      @Override
      public Policy current() {
        return here.current();
      }

      @Override
      public FilterDecision judgeEstablished(Policy policy, CtEntry entry, CtDirection dir) {
        return here.judgeEstablished(policy, entry, dir);
      }

      @Override
      public boolean stillCarried(Policy policy, CtEntry entry) {
        return here.stillCarried(policy, entry);
      }

      @Override
      public PathContext hostContext(Policy policy, Packet packet) {
        return here.hostContext(policy, packet);
      }

      @Override
      public void apply(Policy next) {
        throw new IllegalStateException("a cluster member applies a policy by its text, which it commits");
      }

      @Override
      public void apply(Policy next, String name, String policy, Map<String, String> files) {
        long generation;
        try {
          generation = commit(new PolicyText(name, policy, files));
        } catch (IllegalArgumentException e) {
          throw ApiError.badRequest(e.getMessage());
        } catch (ExecutionException | TimeoutException e) {
          throw new ApiError(503, "the cluster did not commit the policy (nothing changed): " + cause(e));
        }
        awaitCompiled(generation);
      }
    };
  }

  /** This member's view of the cluster, for the API. */
  ClusterStatus status() {
    return new ClusterStatus() {
      @Override
      public int members() {
        return member.members().size();
      }

      @Override
      public String role(long dpid) {
        return fence.mayWrite(DatapathId.of(dpid)) ? "MASTER" : "SLAVE";
      }

      @Override
      public long epoch(long dpid) {
        return member.state().view().mastership(dpid).epoch();
      }

      @Override
      public List<Long> rebalance() {
        List<Long> off = List.copyOf(member.state().view().offBalance());
        try {
          member.rebalance().get(commitTimeout.toMillis() + 1_000, TimeUnit.MILLISECONDS);
        } catch (ExecutionException | TimeoutException e) {
          throw new ApiError(503, "the cluster did not commit the rebalance (nothing moved): " + cause(e));
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new ApiError(503, "interrupted before the cluster committed the rebalance");
        }
        return off;
      }

      @Override
      public Optional<Replication> replication() {
        ReplicationMetrics r = replicator.metrics();
        return Optional.of(new Replication(r.lagLastMillis(), r.lagMaxMillis(), r.queueLength(), r.batchesSent(),
            r.batchesLost(), r.batchesResent(), r.replicasPromoted()));
      }

      @Override
      public Optional<Membership> membership() {
        MastershipStateMachine.View view = member.state().view();
        Map<String, Long> applied = member.appliedByMember();
        List<Member> members = new ArrayList<>();
        for (String id : member.members()) {
          members.add(new Member(id, options.peer(id).map(p -> p.address().toString()).orElse(null),
              view.ready().containsKey(id), view.masteredBy(id).size(), Optional.ofNullable(applied.get(id))));
        }
        List<Switch> switches = new ArrayList<>();
        view.masters().forEach((dpid, m) -> switches.add(new Switch(dpid, m.master(), m.epoch(), role(dpid))));
        long generation;
        String error;
        synchronized (compiledLock) {
          generation = compiledGeneration;
          error = failedGeneration > compiledGeneration ? policyError : null;
        }
        return Optional.of(new Membership(options.name(), options.member(), member.leader(), member.term(),
            member.commitIndex(), member.lastAppended(), members, switches, generation, Optional.ofNullable(error),
            view.placement().map(Placement::optionName)));
      }
    };
  }

  /** Commits {@code text}; returns its generation once committed. */
  private long commit(PolicyText text) throws ExecutionException, TimeoutException {
    return commit(text, false);
  }

  /** {@code seed}: only if the cluster has no policy when it is applied (see {@link ClusterMember#seedPolicy}). */
  private long commit(PolicyText text, boolean seed) throws ExecutionException, TimeoutException {
    Map<String, byte[]> files = new LinkedHashMap<>();
    files.put(text.name(), text.policy().getBytes(StandardCharsets.UTF_8));
    text.files().forEach((name, t) -> files.put(name, t.getBytes(StandardCharsets.UTF_8)));
    try {
      return (seed ? member.seedPolicy(text.name(), files) : member.applyPolicy(text.name(), files))
          .get(commitTimeout.toMillis() + 1_000, TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new ExecutionException(e);
    }
  }

  /** Compiles a committed policy and swaps it in, or withdraws this member's readiness and says why. */
  private void compile(PolicyContent content) {
    synchronized (compiledLock) {
      if (content.generation() <= compiledGeneration) {
        return; // heard again after a snapshot: already running it
      }
    }
    Map<String, String> files = new LinkedHashMap<>();
    for (String name : content.fileNames()) {
      if (!name.equals(content.policyFile())) {
        files.put(name, new String(content.file(name), StandardCharsets.UTF_8));
      }
    }
    PolicyText text = new PolicyText(content.policyFile(),
        new String(content.file(content.policyFile()), StandardCharsets.UTF_8), files);
    try {
      Policy next = compiler.compile(text);
      next.warnings().forEach(w -> log.warn("{}", w));
      firewall.apply(next);
      synchronized (compiledLock) {
        compiledGeneration = content.generation();
        policyError = null;
        compiledLock.notifyAll();
      }
      log.info("member {}: committed policy generation {} ({}) compiled and running", options.member(),
          content.generation(), content.policyFile());
      // a member catching up (its log replayed) compiles each generation in turn: ready only on the latest
      // applied here, not while a newer one waits to be compiled
      long latest = member.state().view().policy().map(PolicyContent::generation).orElse(0L);
      if (content.generation() >= latest) {
        allowOnceCaughtUp();
      }
    } catch (PolicyException | RuntimeException e) {
      synchronized (compiledLock) {
        failedGeneration = content.generation();
        policyError = "generation " + content.generation() + ": " + e.getMessage();
        compiledLock.notifyAll();
      }
      log.error("member {}: cannot compile the committed policy generation {} ({}): refusing mastership until a "
          + "policy compiles here: {}", options.member(), content.generation(), content.policyFile(), e.getMessage());
      readiness.withhold();
    }
  }

  /**
   * Ready once the replication caught up too (the others' whole tables are here, so a switch taken over
   * promotes them), or after {@link #CATCH_UP_TIMEOUT} anyway (a peer that never sends its table must not
   * keep this member out for good), unless a newer policy failed to compile meanwhile.
   */
  private void allowOnceCaughtUp() {
    if (!lldpKeyInstalled.isDone()) {
      // its probes would carry a key of its own that the other masters cannot verify
      log.info("member {}: committed policy running; ready once the cluster's LLDP key is committed", options.member());
      lldpKeyInstalled.thenRun(() -> later(() -> {
        synchronized (compiledLock) {
          if (failedGeneration > compiledGeneration) {
            return; // a newer policy failed here meanwhile: withheld
          }
        }
        allowOnceCaughtUp();
      }));
      return;
    }
    if (replicator.caughtUp()) {
      readiness.allow();
      return;
    }
    log.info("member {}: committed policy running; ready once conntrack replication caught up", options.member());
    replicator.whenCaughtUp()
        .thenApply(v -> true)
        .completeOnTimeout(false, CATCH_UP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)
        .thenAccept(caught -> later(() -> {
          if (!caught) {
            log.warn("member {}: conntrack replication has not caught up within {} (an owner's table missing): "
                + "ready anyway; a switch taken over now may lack some of its connections", options.member(),
                CATCH_UP_TIMEOUT);
          }
          synchronized (compiledLock) {
            if (failedGeneration > compiledGeneration) {
              return; // a newer policy failed here meanwhile: withheld
            }
          }
          readiness.allow();
        }));
  }

  /** Waits until this member compiled {@code generation} (or failed to), so the API answers for what runs here. */
  private void awaitCompiled(long generation) {
    long deadline = System.nanoTime() + commitTimeout.toNanos();
    synchronized (compiledLock) {
      while (compiledGeneration < generation && failedGeneration < generation) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          throw new ApiError(503, "the policy was committed as generation " + generation + " but this member has "
              + "not compiled it yet");
        }
        try {
          TimeUnit.NANOSECONDS.timedWait(compiledLock, left);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new ApiError(503, "interrupted waiting for generation " + generation);
        }
      }
      if (compiledGeneration < generation) {
        throw new ApiError(409, "the policy was committed as generation " + generation + ", but this member cannot "
            + "compile it and masters no switch: " + policyError);
      }
    }
  }

  /** The leader's duty when the cluster has no policy yet: commit this member's own file. */
  private void seed() {
    if (!member.isLeader() || member.state().view().policy().isPresent()) {
      return;
    }
    PolicyText.Loaded mine = local;
    try {
      // a seed: a policy committed before this leader had applied it stays (the window after an election)
      long generation = commit(mine.text(), true);
      log.info("member {} (leader): the cluster had no policy: seeded {}; generation {} in force", options.member(),
          mine.text().name(), generation);
    } catch (ExecutionException | TimeoutException e) {
      log.warn("member {} (leader): could not commit the first policy ({}); retrying", options.member(), cause(e));
      work.schedule(this::seed, SEED_RETRY_MS, TimeUnit.MILLISECONDS);
    }
  }

  /** The leader's duty when the cluster has no placement yet: commit this member's --cluster-mastership. */
  private void seedPlacement() {
    Placement mine = Placement.parse(options.mastership());
    Optional<Placement> committed = member.state().view().placement();
    if (committed.isPresent()) {
      if (committed.get() != mine) {
        log.warn("member {}: the cluster places mastership {}, not {} as this member's --cluster-mastership says",
            options.member(), committed.get().optionName(), mine.optionName());
      }
      return;
    }
    if (!member.isLeader()) {
      return;
    }
    try {
      member.seedPlacement(mine).get(commitTimeout.toMillis() + 1_000, TimeUnit.MILLISECONDS);
      log.info("member {} (leader): mastership placed {} (the first leader's setting)", options.member(),
          member.state().view().placement().orElse(mine).optionName());
    } catch (ExecutionException | TimeoutException e) {
      log.warn("member {} (leader): could not commit the placement ({}); retrying", options.member(), cause(e));
      work.schedule(this::seedPlacement, SEED_RETRY_MS, TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** The leader's duty when the cluster has no LLDP key yet: commit a fresh one (the first leader's is kept). */
  private void seedLldpKey() {
    if (!member.isLeader() || member.state().view().lldpKey().isPresent()) {
      return;
    }
    try {
      member.seedLldpKey(LldpKey.random()).get(commitTimeout.toMillis() + 1_000, TimeUnit.MILLISECONDS);
      log.info("member {} (leader): the cluster's LLDP key is committed", options.member());
    } catch (ExecutionException | TimeoutException e) {
      log.warn("member {} (leader): could not commit the LLDP key ({}); retrying", options.member(), cause(e));
      work.schedule(this::seedLldpKey, SEED_RETRY_MS, TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /**
   * A departed member's connections that enter at a switch this member masters and keeps. A connection is
   * owned by the member whose switch its first packet reached, but its replica's ingress is where its
   * ORIGINAL source is, which may be another member's switch: an active FTP data connection, opened by a
   * server behind this member's switch towards a client behind the owner's, whose SYN this member relayed
   * to the owner of the expectation. No switch changes hands for such connections, so no takeover promoted
   * them, and the heir of the owner's switch deleted their entries there as nobody's (its reconcile found
   * no live owner): the download stalled. The master of their ingress promotes them when the owner's leave
   * is committed (off RAFT's thread).
   */
  private final class KeptSwitchPromotion implements ClusterListener {
    private SortedSet<String> lastReady = new TreeSet<>();
    /** Each switch's master before the command being applied (its changes are heard after the ready set's). */
    private final Map<Long, Mastership> lastMasters = new HashMap<>();

    @Override
    public void mastershipChanged(long dpid, Mastership before, Mastership after) {
      lastMasters.put(dpid, after);
    }

    @Override
    public void readyMembersChanged(SortedSet<String> ready) {
      SortedSet<String> gone = new TreeSet<>(lastReady);
      gone.removeAll(ready);
      lastReady = new TreeSet<>(ready);
      List<Long> kept = new ArrayList<>();
      member.state().view().masters().forEach((dpid, m) -> {
        Mastership before = lastMasters.get(dpid);
        if (m.isMaster(options.member()) && before != null && before.isMaster(options.member())) {
          kept.add(dpid);
        }
      });
      if (!gone.isEmpty() && !kept.isEmpty()) {
        // only those entering at the kept switch: a departed owner's connections of unknown ingress are taken
        // by the heirs of its own switches (the takeover hook), not by every member that kept one
        later(() -> gone.forEach(owner -> kept.forEach(dpid -> replicator.promote(owner, dpid, false))));
      }
    }
  }

  private void later(Runnable task) {
    try {
      work.execute(task);
    } catch (RejectedExecutionException e) {
      log.debug("member {}: stopping, skipping {}", options.member(), task);
    }
  }

  private static String cause(Exception e) {
    Throwable c = e instanceof ExecutionException && e.getCause() != null ? e.getCause() : e;
    return c instanceof TimeoutException ? "no answer in time (is a majority of the members up?)" : c.toString();
  }

  /** Joins the cluster when the controller starts (after the firewall), leaves it when the controller stops. */
  private final class MemberApp implements App {
    @Override
    public String name() {
      return "cluster-member";
    }

    @Override
    public void start(AppContext context) {
      try {
        // before the member joins: its readiness (and so any takeover) needs replicas to commit
        replicator.start();
        topologySharing.start();
        member.start();
      } catch (Exception e) {
        topologySharing.stop();
        replicator.close();
        throw new UncheckedIOException(new IOException("cannot join cluster " + options.name() + " as member "
            + options.member() + " on " + options.self() + ": " + e.getMessage(), e));
      }
    }

    /**
     * Before this member's switches disconnect: its topology share stops here, so the last one the
     * others hold is what it saw while it served, kept for its heirs ("Topology and hosts" in
     * docs/cluster.md). Published after the disconnects, its empty view took its hosts and links out
     * of every other member's at once, and the heirs flooded (and ClusterTopologyRunTest failed about
     * every other run on a loaded machine).
     */
    @Override
    public void stopping() {
      topologySharing.stop();
    }

    @Override
    public void stop() {
      member.leaveAndClose(Duration.ofSeconds(3));
      firewall.offloads().setListener(null);
      topologySharing.stop();
      replicator.close();
      work.shutdownNow();
    }
  }
}
