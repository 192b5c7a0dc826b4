package io.statewall.bench;

import io.statewall.netfilter.conntrack.ConnTracker;
import io.statewall.netfilter.conntrack.CtConfig;
import io.statewall.netfilter.conntrack.CtDirection;
import io.statewall.netfilter.conntrack.CtLookup;
import io.statewall.netfilter.conntrack.CtState;
import io.statewall.netfilter.conntrack.HelperVerdict;
import io.statewall.netfilter.conntrack.ShardedConnTracker;
import io.statewall.netfilter.conntrack.TrackOptions;
import io.statewall.netfilter.conntrack.ftp.FtpHelper;
import io.statewall.netfilter.packet.Packet;
import io.statewall.netfilter.packet.PacketParser;
import io.statewall.netfilter.policy.FilterDecision;
import io.statewall.netfilter.policy.PathContext;
import io.statewall.netfilter.policy.Policy;
import io.statewall.netfilter.policy.PolicyLoader;
import io.statewall.netfilter.policy.RawDecision;
import io.statewall.netfilter.policy.SwitchPort;
import io.statewall.netfilter.rules.ConnInfo;
import io.statewall.netfilter.rules.Verdict;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.InstantSource;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.infra.ThreadParams;

/**
 * The firewall's decision on one new connection's SYN, without sockets or queues: parse the
 * frame, raw table, conntrack lookup, the bench policy's FORWARD walk ({@link BenchPolicy}, the
 * SYN accepted by the rule before the last), conntrack insert. Sample mode reports percentiles per
 * decision, the decision latency the end-to-end bench cannot separate from CPU queueing. Every
 * invocation is a new 5-tuple; the table grows up to the in-process controller's limit, then
 * early-drops as it does.
 *
 * <p>{@code sharedTable1Thread} and {@code sharedTable2Threads} make the same decisions on one
 * policy and one conntrack table shared by one or two threads (throughput, in the same run): how
 * far the shard locks and the classifier's per-thread scratch let decisions use a second core.
 */
@State(Scope.Thread)
@BenchmarkMode({Mode.SampleTime, Mode.Throughput})
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class DecisionBenchmark {
  @Param("1000")
  int rules;

  Decisions decisions;
  long next;

  @Setup(Level.Trial)
  public void setup() throws Exception {
    decisions = new Decisions(rules);
  }

  @Benchmark
  public Verdict synDecision() {
    return decisions.decide(next++);
  }

  /** One policy and one conntrack table for every thread of a benchmark. */
  @State(Scope.Benchmark)
  public static class Shared {
    @Param("1000")
    int rules;

    Decisions decisions;

    @Setup(Level.Trial)
    public void setup() throws Exception {
      decisions = new Decisions(rules);
    }
  }

  /** A thread's own sequence of connections: thread t of n makes the k-th with k = t, t + n, ... */
  @State(Scope.Thread)
  public static class Cursor {
    long next;
    int step;

    @Setup(Level.Trial)
    public void setup(ThreadParams t) {
      next = t.getThreadIndex();
      step = t.getThreadCount();
    }

    long take() {
      long k = next;
      next += step;
      return k;
    }
  }

  @Benchmark
  @Threads(1)
  @BenchmarkMode(Mode.Throughput)
  public Verdict sharedTable1Thread(Shared s, Cursor c) {
    return s.decisions.decide(c.take());
  }

  @Benchmark
  @Threads(2)
  @BenchmarkMode(Mode.Throughput)
  public Verdict sharedTable2Threads(Shared s, Cursor c) {
    return s.decisions.decide(c.take());
  }

  /** The decision path itself over one policy and one table; safe for several threads. */
  static final class Decisions {
    final Policy policy;
    final ConnTracker tracker;
    final PacketParser parser = new PacketParser();
    final EmulatedNetwork net = new EmulatedNetwork(16, 4);
    final PathContext ctx = new PathContext(null, null, new SwitchPort("0000000000000003", "s3", 1),
        new SwitchPort("0000000000000004", "s4", 2));

    Decisions(int rules) throws Exception {
      Path dir = Files.createTempDirectory("decision-bench-");
      policy = new PolicyLoader().load(BenchPolicy.write(dir, rules, 42));
      tracker = new ShardedConnTracker(CtConfig.defaults().withMaxEntries(1_200_000),
          InstantSource.system(), List.of(new FtpHelper()));
    }

    /** The SYN of the {@code k}-th connection: parse, raw, conntrack, FORWARD walk, insert. */
    Verdict decide(long k) {
      int sw = 1 + (int) (k & 15);
      int srcHost = 1 + (int) ((k >>> 4) & 3);
      int dstHost = 1 + (int) ((k >>> 6) & 3);
      int port = 1024 + (int) ((k >>> 8) % 64_512);
      int peer = net.peerSwitch(sw);
      byte[] frame = FrameWriter.tcpSyn(net.hostMac(sw, srcHost), net.hostMac(peer, dstHost),
          net.hostIp(sw, srcHost), net.hostIp(peer, dstHost), port, 80, k);
      Packet p = parser.parse(frame);
      RawDecision raw = policy.raw(p, ctx);
      if (raw.verdict() != Verdict.ACCEPT) {
        return raw.verdict();
      }
      CtLookup ct = tracker.classify(p, TrackOptions.NONE);
      if (ct.dropNow()) {
        return Verdict.DROP;
      }
      ConnInfo info = ct.entry() == null
          ? new ConnInfo.Of(ct.state(), CtDirection.ORIGINAL, 0, null, null, null, null, 0, null)
          : new ConnInfo.Of(ct.state(), ct.direction(), ct.entry().status(),
              ct.entry().tuple(CtDirection.ORIGINAL).src(), ct.entry().tuple(CtDirection.ORIGINAL).dst(),
              ct.entry().tuple(CtDirection.REPLY).src(), ct.entry().tuple(CtDirection.REPLY).dst(),
              ct.entry().protocol(), ct.entry().helper());
      FilterDecision f = policy.filter(p, info, ctx);
      if (!f.accepted()) {
        return f.verdict();
      }
      HelperVerdict hv = ct.state() == CtState.INVALID ? HelperVerdict.ACCEPT : tracker.confirm(ct);
      return hv.accept() ? Verdict.ACCEPT : Verdict.DROP;
    }
  }
}
