package io.statewall.operator.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.javalin.http.Context;
import io.javalin.http.sse.SseClient;
import io.javalin.http.sse.SseHandler;
import io.statewall.netfilter.judge.Judgement;
import io.statewall.netfilter.packet.IpAddress;
import io.statewall.netfilter.packet.Packet;
import io.statewall.netfilter.rules.Verdict;
import io.statewall.operator.api.LiveViews.More;
import io.statewall.operator.api.LiveViews.NetworkSnapshot;
import io.statewall.operator.api.LiveViews.VerdictEvent;
import io.statewall.operator.source.OffloadView;
import io.statewall.topology.Attachment;
import io.statewall.topology.Hop;
import io.statewall.topology.TopologyEvent;
import io.statewall.topology.TopologyListener;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * The web view's live streams, as server-sent events: the network (a whole snapshot on connect and
 * after every topology change) and the drops and rejects (at most {@code perSecond} a client, then a
 * "more" event with the count left out). Events are handed over without blocking the thread that
 * made them (the OpenFlow channel's, topology's): each client has a bounded queue, drained by its own
 * thread, so a slow client loses events and slows no one. At most {@code maxClients} at once; more
 * are refused with 503.
 */
final class LiveFeeds implements DecisionTap, TopologyListener, AutoCloseable {
  static final int MAX_CLIENTS = 8;
  static final int PER_SECOND = 50;
  static final int QUEUE = 256;
  static final Set<String> VERDICT_PARAMS = Set.of("addr");
  /** How often a client's thread looks at its queue and the closing flag. */
  private static final long TICK_MILLIS = 250;
  /** Below Jetty's idle timeout (10 s): a quiet stream writes something this often. */
  private static final long KEEP_ALIVE_NANOS = TimeUnit.SECONDS.toNanos(4);

  private final NetworkViews network;
  private final OffloadView offloads;
  private final int maxClients;
  private final int perSecond;
  private final Semaphore slots;
  private final ObjectMapper json = new ObjectMapper();
  private final List<Subscriber> verdictClients = new CopyOnWriteArrayList<>();
  private final List<Subscriber> networkClients = new CopyOnWriteArrayList<>();
  private volatile boolean closed;

  LiveFeeds(NetworkViews network, OffloadView offloads, int maxClients, int perSecond) {
    this.network = network;
    this.offloads = offloads;
    this.maxClients = maxClients;
    this.perSecond = perSecond;
    this.slots = new Semaphore(maxClients);
  }

  /** One stream's client: what it asked for, its queue and its rate. */
  private static final class Subscriber {
    final IpAddress addr;
    final BlockingQueue<Object> queue = new ArrayBlockingQueue<>(QUEUE);
    final RateWindow rate;

    Subscriber(IpAddress addr, int perSecond) {
      this.addr = addr;
      this.rate = new RateWindow(perSecond);
    }

    void offer(Object event) {
      if (!queue.offer(event)) {
        rate.refuse();
      }
    }
  }

  /** {@code GET /api/v1/events/network}. */
  void network(Context ctx) {
    serve(ctx, new Subscriber(null, Integer.MAX_VALUE), networkClients, this::networkLoop);
  }

  /** {@code GET /api/v1/events/verdicts[?addr=A]}: drops and rejects from or to A. */
  void verdicts(Context ctx) {
    IpAddress addr = new Query(ctx.queryParamMap(), VERDICT_PARAMS).address("addr");
    serve(ctx, new Subscriber(addr, perSecond), verdictClients, this::verdictLoop);
  }

  private interface Loop {
    void run(SseClient client, Subscriber s) throws InterruptedException;
  }

  private void serve(Context ctx, Subscriber s, List<Subscriber> list, Loop loop) {
    String accept = ctx.header("Accept");
    if (accept == null || !accept.contains("text/event-stream")) {
      throw new ApiError(406, "this is a stream of server-sent events: send Accept: text/event-stream");
    }
    if (closed || !slots.tryAcquire()) {
      throw new ApiError(503, "at most " + maxClients + " live streams at once; close one (another tab?) and retry");
    }
    boolean started = false;
    try {
      // the consumer runs on Javalin's async executor, not a request thread; the stream lasts as long as it
      new SseHandler(0, client -> {
        list.add(s);
        try {
          loop.run(client, s);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
          // the client went away while being written to
        } finally {
          list.remove(s);
          slots.release();
          client.close();
        }
      }).handle(ctx);
      started = true;
    } finally {
      if (!started) {
        slots.release();
      }
    }
  }

  private void networkLoop(SseClient client, Subscriber s) throws InterruptedException {
    send(client, "network", snapshot(List.of("connected")));
    long last = System.nanoTime();
    while (!closed && !client.terminated()) {
      Object first = s.queue.poll(TICK_MILLIS, TimeUnit.MILLISECONDS);
      if (first == null) {
        if (System.nanoTime() - last > KEEP_ALIVE_NANOS) {
          // also brings the per-switch entry counts up to date
          send(client, "network", snapshot(List.of()));
          last = System.nanoTime();
        }
        continue;
      }
      // events of one change (a port down: its link and its hosts) arrive together: one snapshot
      Thread.sleep(20);
      List<Object> more = new ArrayList<>();
      s.queue.drainTo(more);
      Set<String> causes = new LinkedHashSet<>();
      causes.add(first.toString());
      more.forEach(m -> causes.add(m.toString()));
      send(client, "network", snapshot(List.copyOf(causes)));
      last = System.nanoTime();
    }
  }

  private void verdictLoop(SseClient client, Subscriber s) throws InterruptedException {
    client.sendComment("connected");
    long last = System.nanoTime();
    while (!closed && !client.terminated()) {
      Object e = s.queue.poll(TICK_MILLIS, TimeUnit.MILLISECONDS);
      if (e != null) {
        send(client, "verdict", e);
        last = System.nanoTime();
      }
      int left = s.rate.takeRefused();
      if (left > 0) {
        send(client, "more", new More(left));
        last = System.nanoTime();
      }
      if (System.nanoTime() - last > KEEP_ALIVE_NANOS) {
        client.sendComment("keep-alive");
        last = System.nanoTime();
      }
    }
  }

  private void send(SseClient client, String event, Object data) {
    try {
      client.sendEvent(event, json.writeValueAsString(data));
    } catch (JsonProcessingException e) {
      throw new UncheckedIOException(e);
    }
  }

  NetworkSnapshot snapshot(List<String> causes) {
    Map<String, Integer> entries = new TreeMap<>();
    for (OffloadView.Installed c : offloads.installed()) {
      int hops = c.path().hops().size();
      if (hops == 0) {
        continue;
      }
      int perHop = c.entries() / hops;
      for (Hop h : c.path().hops()) {
        entries.merge(NetworkViews.dpid(h.sw().getLong()), perHop, Integer::sum);
      }
    }
    return new NetworkSnapshot(System.currentTimeMillis(), causes, network.switches(), network.links(),
        network.hosts(), entries);
  }

  @Override
  public void topologyChanged(TopologyEvent event) {
    for (Subscriber s : networkClients) {
      // a full queue already holds a change: the snapshot it brings will show this one too
      s.queue.offer(event.getClass().getSimpleName());
    }
  }

  /** On the channel thread of the packet: cheap, never blocks. */
  @Override
  public void decided(Packet packet, Attachment ingress, Judgement j) {
    if (j.verdict() == Verdict.ACCEPT || verdictClients.isEmpty()) {
      return;
    }
    long now = System.nanoTime();
    VerdictEvent event = null;
    for (Subscriber s : verdictClients) {
      if (s.addr != null && !s.addr.equals(packet.src()) && !s.addr.equals(packet.dst())) {
        continue;
      }
      if (!s.rate.admit(now)) {
        continue;
      }
      if (event == null) {
        event = event(packet, ingress, j);
      }
      s.offer(event);
    }
  }

  private static VerdictEvent event(Packet p, Attachment ingress, Judgement j) {
    boolean ports = p.isTcp() || p.isUdp();
    return new VerdictEvent(System.currentTimeMillis(), j.verdict().name(), protocol(p.protocol()),
        p.src() == null ? null : p.src().toString(), p.dst() == null ? null : p.dst().toString(),
        ports ? p.srcPort() : null, ports ? p.dstPort() : null,
        ingress == null ? null : NetworkViews.end(ingress), j.state() == null ? null : j.state().name(),
        Views.RuleView.of(j.decidedBy()), j.reason());
  }

  static String protocol(int p) {
    return switch (p) {
      case Packet.PROTO_TCP -> "tcp";
      case Packet.PROTO_UDP -> "udp";
      case Packet.PROTO_ICMP -> "icmp";
      case Packet.PROTO_ICMPV6 -> "icmpv6";
      default -> String.valueOf(p);
    };
  }

  /** Streams open now (both kinds). */
  int clients() {
    return maxClients - slots.availablePermits();
  }

  @Override
  public void close() {
    closed = true;
  }
}
