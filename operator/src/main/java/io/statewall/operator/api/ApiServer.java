package io.statewall.operator.api;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import org.eclipse.jetty.http.BadMessageException;
import io.javalin.Javalin;
import io.javalin.http.Context;
import io.javalin.http.HandlerType;
import io.javalin.http.HttpResponseException;
import io.javalin.json.JavalinJackson;
import com.fasterxml.jackson.core.type.TypeReference;
import io.statewall.operator.api.Route.Body;
import io.statewall.operator.api.Views.ClusterView;
import io.statewall.operator.api.Views.ConnectionView;
import io.statewall.operator.api.Views.Deleted;
import io.statewall.operator.api.Views.Rebalanced;
import io.statewall.operator.api.Views.ErrorView;
import io.statewall.operator.api.Views.ExpectationView;
import io.statewall.operator.api.Views.Health;
import io.statewall.operator.api.Views.HopView;
import io.statewall.operator.api.Views.HostView;
import io.statewall.operator.api.Views.LinkView;
import io.statewall.operator.api.Views.PolicyChangeView;
import io.statewall.operator.api.Views.PolicyView;
import io.statewall.operator.api.Views.RuleSetHits;
import io.statewall.operator.api.Views.SwitchView;
import io.statewall.operator.api.Views.TraceView;
import io.statewall.operator.api.Views.Page;
import io.statewall.operator.api.Views.PolicyErrorView;
import io.statewall.operator.api.Views.PolicyRequest;
import io.statewall.operator.api.Views.TaskView;
import io.statewall.controller.app.TaskHealth;
import io.statewall.netfilter.policy.PolicyFiles;
import io.statewall.operator.api.Views.TupleView;
import io.statewall.netfilter.conntrack.CtDirection;
import io.statewall.netfilter.conntrack.CtEntry;
import io.statewall.netfilter.conntrack.CtTuple;
import io.statewall.netfilter.conntrack.Expectation;
import io.statewall.netfilter.policy.Policy;
import io.statewall.netfilter.policy.PolicyException;
import io.statewall.netfilter.policy.PolicyLoader;
import io.statewall.operator.source.ClusterStatus;
import io.statewall.operator.source.ConntrackView;
import io.statewall.operator.source.OffloadView;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.Semaphore;
import java.util.function.Supplier;
import java.util.concurrent.atomic.AtomicReference;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.NetworkConnectionLimit;
import org.eclipse.jetty.server.SecureRequestCustomizer;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.SslConnectionFactory;
import org.eclipse.jetty.util.ssl.SslContextFactory;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The operator's HTTP API (Javalin, Jackson): topology, conntrack, the policy with dry runs,
 * traces, Prometheus metrics and health. Bad input is a 4xx with a JSON error, never a 500.
 */
public final class ApiServer implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ApiServer.class);
  static final int MAX_PAGE = 10_000;
  static final String HEALTH = "/healthz";

  private final ApiSettings settings;
  private final ConntrackView conntrack;
  private final OffloadView offloads;
  private final FirewallMetrics metrics;
  private final NetworkViews network;
  private final ClusterStatus cluster;
  private final PolicyViews policies;
  private final Tracer tracer;
  private final PolicyRequestReader policyRequests = new PolicyRequestReader();
  private final ObjectMapper json = new ObjectMapper()
      .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
      .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
      .enable(SerializationFeature.INDENT_OUTPUT);
  private final List<Route> routes;
  /** The web view's files and the redirect to them: served without the token, outside the OpenAPI document. */
  private final List<Route> uiRoutes;
  private final WebAssets assets = new WebAssets();
  private final LiveFeeds feeds;
  private final HostCheck hosts;
  private final byte[] token;
  private final Supplier<List<TaskHealth>> tasks;
  /** Requests reading a body now: each holds a request thread while its client sends. */
  private final Semaphore bodyReaders;
  private Javalin app;

  public ApiServer(ApiSettings settings, ApiSources sources, FirewallMetrics metrics) {
    this(settings, sources, metrics, List::of);
  }

  /** With the liveness of the controller's periodic tasks, which {@code /healthz} reports. */
  public ApiServer(ApiSettings settings, ApiSources sources, FirewallMetrics metrics,
      Supplier<List<TaskHealth>> tasks) {
    this.settings = settings;
    this.hosts = settings.hostCheck();
    this.token = settings.token().getBytes(StandardCharsets.UTF_8);
    this.tasks = tasks;
    this.bodyReaders = new Semaphore(settings.limits().maxBodyReaders());
    this.conntrack = sources.conntrack();
    this.offloads = sources.offloads();
    this.metrics = metrics;
    this.network = new NetworkViews(sources.topology(), sources.cluster(), metrics::packetIns);
    this.cluster = sources.cluster() == null ? ClusterStatus.STANDALONE : sources.cluster();
    this.policies = new PolicyViews(sources.policy(), conntrack, offloads);
    this.tracer = new Tracer(sources);
    this.feeds = new LiveFeeds(network, offloads, LiveFeeds.MAX_CLIENTS, LiveFeeds.PER_SECOND);
    // the view's streams hear what the metrics hear, and every topology change
    metrics.tap(feeds);
    if (sources.topology() != null) {
      sources.topology().addListener(feeds);
    }
    this.routes = routes();
    this.uiRoutes = List.of(
        new Route(HandlerType.GET, "/", "The web view", Set.of(), null, HTML, ctx -> ctx.redirect("/ui/")),
        new Route(HandlerType.GET, "/ui/", "The web view", Set.of(), null, HTML, assets::index),
        new Route(HandlerType.GET, "/ui/{file}", "The web view's files", Set.of(), null, HTML, assets::file),
        new Route(HandlerType.GET, WebAssets.DOCS, "Swagger UI on this document", Set.of(), null, HTML,
            assets::docsIndex),
        new Route(HandlerType.GET, WebAssets.DOCS + "{file}", "Swagger UI's files", Set.of(), null, HTML,
            assets::docsFile));
  }

  private static final Set<String> LIST_PARAMS = with(ConntrackFilter.PARAMS, "offset", "limit", "sort", "order");
  private static final Set<String> DELETE_PARAMS = with(ConntrackFilter.PARAMS, "all");

  private static Set<String> with(Set<String> base, String... more) {
    Set<String> s = new HashSet<>(base);
    s.addAll(List.of(more));
    return Set.copyOf(s);
  }

  private static final Body HTML = Body.text("text/html");
  private static final Body EVENTS = Body.text("text/event-stream");

  private List<Route> routes() {
    return List.of(
        new Route(HandlerType.GET, HEALTH,
            "Liveness: ok while every periodic task runs on time (503 when one died or is overdue); "
                + "answers without the token, with counts only with it", Set.of(), null, Body.json(Health.class),
            this::health),
        new Route(HandlerType.GET, "/metrics", "Prometheus metrics (text format 0.0.4)", Set.of(), null,
            Body.text("text/plain"), ctx -> ctx.contentType(FirewallMetrics.contentType()).result(metrics.scrape())),
        new Route(HandlerType.GET, "/api/v1/openapi.json", "This document (OpenAPI 3.1)", Set.of(), null,
            Body.json(Object.class), ctx -> ctx.json(OpenApiDocument.of(this.routes, LiveViews.EVENTS, version()))),
        new Route(HandlerType.GET, "/api/v1/switches", "Connected switches and their ports", Set.of(), null,
            Body.json(new TypeReference<List<SwitchView>>() {}), ctx -> ctx.json(network.switches())),
        new Route(HandlerType.GET, "/api/v1/cluster",
            "This controller's cluster: members and whether ready, the Raft leader and term, each switch's master "
                + "and epoch (cluster \"none\" for a controller on its own)", Set.of(), null,
            Body.json(ClusterView.class), ctx -> ctx.json(NetworkViews.cluster(cluster))),
        new Route(HandlerType.POST, "/api/v1/cluster/rebalance",
            "Commit a rebalance through the cluster: every switch to its rendezvous winner among the ready members "
                + "that reach it (the leader does so by itself once the switch connections have been quiet for "
                + "--cluster-balance-after); answers the switches moved (409 for a controller on its own)",
            Set.of(), null, Body.json(Rebalanced.class), this::rebalance),
        new Route(HandlerType.GET, "/api/v1/links", "Switch-to-switch links seen by LLDP", Set.of(), null,
            Body.json(new TypeReference<List<LinkView>>() {}), ctx -> ctx.json(network.links())),
        new Route(HandlerType.GET, "/api/v1/hosts", "Hosts learned from their packets", Set.of(), null,
            Body.json(new TypeReference<List<HostView>>() {}), ctx -> ctx.json(network.hosts())),
        new Route(HandlerType.GET, "/api/v1/conntrack",
            "Tracked connections (conntrack -L), filtered on the original tuple, paged", LIST_PARAMS, null,
            Body.json(new TypeReference<Page<ConnectionView>>() {}), this::listConnections),
        new Route(HandlerType.DELETE, "/api/v1/conntrack",
            "Delete the matching connections and their switch entries (conntrack -D); all=true flushes (-F)",
            DELETE_PARAMS, null, Body.json(Deleted.class), this::deleteConnections),
        new Route(HandlerType.GET, "/api/v1/expectations", "Pending expectations (conntrack -L expect)", Set.of(),
            null, Body.json(new TypeReference<List<ExpectationView>>() {}), this::listExpectations),
        new Route(HandlerType.GET, "/api/v1/policy", "The running policy in iptables-save form, with its files",
            Set.of(), null, Body.json(PolicyView.class), ctx -> ctx.json(policies.current())),
        new Route(HandlerType.GET, "/api/v1/policy/counters",
            "Every rule of the running policy with the packets and bytes it matched, as iptables -L -v "
                + "(counted where the controller judged a packet; what the switches carry they count)",
            Set.of(), null, Body.json(new TypeReference<List<RuleSetHits>>() {}), ctx -> ctx.json(policies.counters())),
        new Route(HandlerType.PUT, "/api/v1/policy",
            "Load a policy from its content (JSON: policy YAML and its rule files) and apply it atomically; "
                + "dry-run=true reports what would change and changes nothing",
            Set.of("dry-run"), Body.json(PolicyRequest.class), Body.json(PolicyChangeView.class), this::putPolicy),
        new Route(HandlerType.GET, "/api/v1/trace", "What the firewall would do with a packet, chain by chain",
            Tracer.PARAMS, null, Body.json(TraceView.class),
            ctx -> ctx.json(tracer.trace(query(ctx, Tracer.PARAMS)))),
        new Route(HandlerType.GET, "/api/v1/events/network",
            "Server-sent events: the network (switches, links, hosts, entries per switch) on connect and on "
                + "every change (Accept: text/event-stream; at most " + LiveFeeds.MAX_CLIENTS + " streams at once); "
                + "each event's data is a NetworkSnapshot",
            Set.of(), null, EVENTS, feeds::network),
        new Route(HandlerType.GET, "/api/v1/events/verdicts",
            "Server-sent events: drops and rejects with the deciding rule, from or to addr if given; at most "
                + LiveFeeds.PER_SECOND + " a second, then a 'more' event with the count left out; "
                + "data: VerdictEvent, More",
            LiveFeeds.VERDICT_PARAMS, null, EVENTS, feeds::verdicts));
  }

  /** Binds and serves; returns the bound address (a free port when the settings say 0). */
  public synchronized InetSocketAddress start() {
    AtomicReference<ServerConnector> connector = new AtomicReference<>();
    char[] password = UUID.randomUUID().toString().toCharArray();
    KeyStore tlsKeys = keyStore(password);
    ApiLimits limits = settings.limits();
    Javalin j = Javalin.create(cfg -> {
      cfg.startup.showJavalinBanner = false;
      cfg.startup.showOldJavalinVersionWarning = false;
      cfg.startup.startupWatcherEnabled = false;
      // Javalin's own check trusts Content-Length; bodies are read here, counted as they arrive
      cfg.http.maxRequestSize = limits.maxPolicyBody();
      cfg.http.prefer405over404 = true;
      cfg.jsonMapper(new JavalinJackson(json, false));
      // a few operators, not the internet: a small pool, named for thread dumps
      QueuedThreadPool pool = new QueuedThreadPool(limits.threads(), 2);
      pool.setName("statewall-api");
      cfg.jetty.threadPool = pool;
      cfg.jetty.modifyServer(server -> {
        server.setErrorHandler(new JsonErrorHandler());
        // beyond this many connections Jetty stops accepting; they wait in the kernel's backlog
        server.addBean(new NetworkConnectionLimit(limits.maxConnections(), server));
      });
      cfg.jetty.modifyHttpConfiguration(http -> {
        http.setSendServerVersion(false);
        http.setMinRequestDataRate(limits.minBodyRate());
        http.setIdleTimeout(limits.idleTimeout().toMillis());
      });
      // the one connector is ours (HTTP or HTTPS), with the idle timeout of the limits
      cfg.jetty.addConnector((server, httpConfig) -> {
        connector.set(connector(server, httpConfig, tlsKeys, password));
        return connector.get();
      });
      cfg.routes.beforeMatched(this::admit);
      for (Route r : concat(routes, uiRoutes)) {
        cfg.routes.addHttpHandler(r.method(), r.path(), ctx -> {
          checkEncoding(ctx.queryString());
          query(ctx, r.params());
          r.handler().handle(ctx);
        });
      }
      cfg.routes.exception(ApiError.class, (e, ctx) -> {
        if (e.status() == 503) {
          ctx.header("Retry-After", "1");
        }
        error(ctx, e.status(), e.getMessage());
      });
      cfg.routes.exception(HttpResponseException.class, (e, ctx) -> error(ctx, e.getStatus(), e.getMessage()));
      // Jetty's own refusals while a body is read (a bad message, a client too slow): their status
      cfg.routes.exception(BadMessageException.class, (e, ctx) -> error(ctx, e.getCode(), e.getReason()));
      cfg.routes.exception(Exception.class, (e, ctx) -> {
        String where;
        try {
          where = ctx.method() + " " + ctx.path();
        } catch (RuntimeException gone) {
          // the exchange is over (a live stream whose client left): nothing to answer. A handler that
          // throws here makes Javalin call it again for its own error, without end (940,000 lines in
          // one test run once)
          return;
        }
        log.warn("API {} failed", where, e);
        error(ctx, 500, "internal error: " + e);
      });
    });
    try {
      j.start();
    } catch (RuntimeException e) {
      throw new UncheckedIOException(new IOException("cannot start the API on " + settings + ": "
          + (e.getCause() != null ? e.getCause().getMessage() : e.getMessage()), e));
    }
    app = j;
    int port = connector.get().getLocalPort();
    log.info("operator API on {} (port {}); every request but /healthz needs the bearer token in {}", settings,
        port, settings.tokenFile() == null ? "the settings" : settings.tokenFile());
    return new InetSocketAddress(settings.host(), port);
  }

  /** The operator's certificate and key, or null for plain HTTP. */
  private KeyStore keyStore(char[] password) {
    if (settings.tls().isEmpty()) {
      return null;
    }
    try {
      return TlsKeyStore.load(settings.tls().get().cert(), settings.tls().get().key(), password);
    } catch (IOException | GeneralSecurityException e) {
      throw new UncheckedIOException(new IOException("cannot start the API on " + settings + ": "
          + e.getMessage(), e));
    }
  }

  private ServerConnector connector(Server server, HttpConfiguration base, KeyStore keys, char[] password) {
    ServerConnector c;
    if (keys == null) {
      c = new ServerConnector(server, new HttpConnectionFactory(base));
    } else {
      SslContextFactory.Server ssl = new SslContextFactory.Server();
      ssl.setKeyStore(keys);
      ssl.setKeyStorePassword(new String(password));
      HttpConfiguration conf = new HttpConfiguration(base);
      // operators connect by address as often as by name: no SNI host check (the Host check is ours)
      conf.addCustomizer(new SecureRequestCustomizer(false));
      c = new ServerConnector(server, new SslConnectionFactory(ssl, "http/1.1"), new HttpConnectionFactory(conf));
    }
    c.setHost(settings.host());
    c.setPort(settings.port());
    c.setIdleTimeout(settings.limits().idleTimeout().toMillis());
    return c;
  }

  private static List<Route> concat(List<Route> a, List<Route> b) {
    List<Route> all = new ArrayList<>(a);
    all.addAll(b);
    return all;
  }

  /** Bytes of the web view's files. */
  public int webViewBytes() {
    return assets.totalBytes();
  }

  @Override
  public synchronized void close() {
    feeds.close();
    metrics.tap(DecisionTap.NONE);
    if (app != null) {
      app.stop();
      app = null;
    }
  }

  /**
   * Before any route: the Host header must name this API (DNS rebinding), the bearer token must be
   * right (only {@code /healthz} answers without it, and then without counts), and a state-changing
   * request from a browser must come from one of our own origins (cross-site request forgery).
   */
  private void admit(Context ctx) {
    String host = ctx.header("Host");
    if (!hosts.allowsHost(host)) {
      throw new ApiError(403, "Host '" + printable(host) + "' is not a name of this API (give it to run with "
          + "--api-allowed-host)");
    }
    if (ctx.path().equals(HEALTH)) {
      return;
    }
    if (WebAssets.isAsset(ctx.path()) && (ctx.method().equals(HandlerType.GET) || ctx.method().equals(HandlerType.HEAD))) {
      return;
    }
    if (!authenticated(ctx)) {
      ctx.header("WWW-Authenticate", "Bearer");
      throw new ApiError(401, ctx.header("Authorization") == null
          ? "a bearer token is required (Authorization: Bearer ...; the controller keeps it in its API token file)"
          : "wrong bearer token");
    }
    if (!ctx.method().equals(HandlerType.GET) && !ctx.method().equals(HandlerType.HEAD)
        && !hosts.allowsOrigin(ctx.header("Origin"))) {
      throw new ApiError(403, "Origin '" + printable(ctx.header("Origin")) + "' may not change this controller");
    }
  }

  private boolean authenticated(Context ctx) {
    String h = ctx.header("Authorization");
    byte[] given = h != null && h.regionMatches(true, 0, "Bearer ", 0, 7)
        ? h.substring(7).strip().getBytes(StandardCharsets.UTF_8) : new byte[0];
    return MessageDigest.isEqual(given, token);
  }

  /** A header quoted in an error: short, printable. */
  private static String printable(String s) {
    if (s == null) {
      return "";
    }
    String t = s.chars().filter(c -> c >= ' ' && c < 0x7f).limit(80)
        .collect(StringBuilder::new, StringBuilder::appendCodePoint, StringBuilder::append).toString();
    return s.length() > 80 ? t + "..." : t;
  }

  private static void error(Context ctx, int status, String message) {
    try {
      ctx.status(status).json(new ErrorView(status, message == null ? "error" : message));
    } catch (RuntimeException gone) {
      // the response was already recycled (its client left): there is no one to tell
    }
  }

  /** Javalin skips what it cannot decode; a query it cannot decode is refused instead of half-read. */
  static void checkEncoding(String query) {
    if (query == null) {
      return;
    }
    for (String part : query.split("&")) {
      try {
        URLDecoder.decode(part, StandardCharsets.UTF_8);
      } catch (IllegalArgumentException e) {
        throw ApiError.badRequest("malformed query string: " + e.getMessage());
      }
      if (part.startsWith("=")) {
        throw ApiError.badRequest("malformed query string: a parameter without a name");
      }
    }
  }

  private static Query query(Context ctx, Set<String> allowed) {
    return new Query(ctx.queryParamMap(), allowed);
  }

  private void listConnections(Context ctx) {
    Query q = query(ctx, LIST_PARAMS);
    ConntrackFilter f = ConntrackFilter.of(q);
    int offset = q.integer("offset", 0, Integer.MAX_VALUE, 0);
    int limit = q.integer("limit", 1, MAX_PAGE, 1000);
    ConnectionPages.Page page = ConnectionPages.page(conntrack.entries(), f, ConnectionPages.order(q), offset, limit);
    List<ConnectionView> items = new ArrayList<>();
    for (CtEntry e : page.items()) {
      items.add(new ConnectionView(conntrack.format(e), e.protocol(), e.tcpStateName(),
          TupleView.of(e.tuple(CtDirection.ORIGINAL)), TupleView.of(e.tuple(CtDirection.REPLY)),
          e.hasStatus(CtEntry.SEEN_REPLY), e.hasStatus(CtEntry.ASSURED), e.helper(),
          offloads.cookie(e).orElse(null),
          offloads.installed(e).map(i -> HopView.of(i.path())).orElse(List.of())));
    }
    ctx.json(new Page<>(page.total(), offset, limit, items));
  }

  private void deleteConnections(Context ctx) {
    Query q = query(ctx, DELETE_PARAMS);
    ConntrackFilter f = ConntrackFilter.of(q);
    boolean all = q.flag("all");
    if (all && !f.isEmpty()) {
      throw ApiError.badRequest("all=true deletes everything: give it without filters");
    }
    if (all) {
      ctx.json(new Deleted(conntrack.flush()));
      return;
    }
    if (f.isEmpty()) {
      throw ApiError.badRequest("give at least one filter (proto, src, dst, addr, sport, dport, state), or all=true");
    }
    int n = 0;
    for (CtEntry e : conntrack.entries()) {
      if (f.test(e)) {
        n += conntrack.delete(e.tuple(CtDirection.ORIGINAL));
      }
    }
    ctx.json(new Deleted(n));
  }

  private void rebalance(Context ctx) {
    List<Long> moved;
    try {
      moved = cluster.rebalance();
    } catch (UnsupportedOperationException e) {
      throw new ApiError(409, e.getMessage());
    }
    ctx.json(new Rebalanced(moved.size(), moved.stream().map(NetworkViews::dpid).toList()));
  }

  private void listExpectations(Context ctx) {
    ctx.json(conntrack.expectations().stream()
        .map(x -> new ExpectationView(expectationLine(x, System.currentTimeMillis()), x.src().toString(),
            x.dst().toString(), x.protocol(), x.dstPort(), x.helper(),
            TupleView.of(x.master().tuple(CtDirection.ORIGINAL)), x.expiresAtMillis()))
        .toList());
  }

  /** As {@code conntrack -L expect} prints it (the tracker's clock is the system's in a running controller). */
  static String expectationLine(Expectation x, long now) {
    String full = x.src().isV6() ? "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff" : "255.255.255.255";
    CtTuple m = x.master().tuple(CtDirection.ORIGINAL);
    return Math.max(0, (x.expiresAtMillis() - now) / 1000) + " proto=" + x.protocol() + " src=" + x.src()
        + " dst=" + x.dst() + " sport=0 dport=" + x.dstPort() + " mask-src=" + full + " mask-dst=" + full
        + " sport=0 dport=65535 master-src=" + m.src() + " master-dst=" + m.dst() + " sport=" + m.srcPort()
        + " dport=" + m.dstPort() + " class=0" + (x.helper() == null ? "" : " helper=" + x.helper());
  }

  private void health(Context ctx) {
    long now = System.currentTimeMillis();
    List<TaskView> views = new ArrayList<>();
    boolean healthy = true;
    for (TaskHealth t : tasks.get()) {
      healthy &= t.healthy();
      views.add(new TaskView(t.name(), t.periodMillis() / 1000.0,
          t.lastRunMillis() == 0 ? null : Instant.ofEpochMilli(t.lastRunMillis()).toString(),
          t.failure() != null ? "failed" : t.overdue() ? "overdue" : "ok", t.failure()));
    }
    boolean counts = authenticated(ctx);
    ctx.status(healthy ? 200 : 503).json(new Health(healthy ? "ok" : "unhealthy",
        counts ? network.switches().size() : null, counts ? (int) conntrack.stats().entries() : null,
        views));
  }

  private void putPolicy(Context ctx) {
    boolean dryRun = query(ctx, Set.of("dry-run")).flag("dry-run");
    PolicyRequest req = policyRequests.read(body(ctx, settings.limits().maxPolicyBody()));
    Policy next;
    try {
      next = new PolicyLoader().parse(req.name(), req.policy(), PolicyFiles.of(req.files()));
    } catch (PolicyException e) {
      // where and what was expected; never the text at fault (the client has it)
      String message = e.getMessage();
      if (e.token() != null && !e.token().isEmpty()) {
        message = message.replace("at '" + e.token() + "': ", "");
      }
      ctx.status(400).json(new PolicyErrorView(400, message, e.file(), e.line(), e.column()));
      return;
    }
    // one change at a time: a dry run answers for the policy running when it is made
    synchronized (this) {
      ctx.json(policies.change(next, req, !dryRun));
    }
  }

  /**
   * The request's body, counted while it arrives (chunked or not): more than {@code max} bytes is a
   * 413 without reading on. A request thread waits on a slow client here, so only a few may at once.
   */
  private byte[] body(Context ctx, int max) {
    long declared = ctx.req().getContentLengthLong();
    if (declared > max) {
      throw new ApiError(413, "the body is larger than " + max + " bytes");
    }
    if (!bodyReaders.tryAcquire()) {
      throw new ApiError(503, "another request's body is being read; try again");
    }
    try (InputStream in = ctx.req().getInputStream()) {
      byte[] b = in.readNBytes(max + 1);
      if (b.length > max) {
        throw new ApiError(413, "the body is larger than " + max + " bytes");
      }
      return b;
    } catch (IOException e) {
      // a client too slow (Jetty's minimum data rate, the idle timeout) or gone
      throw new ApiError(408, "the body did not arrive: " + e.getMessage());
    } finally {
      bodyReaders.release();
    }
  }

  private static String version() {
    String v = ApiServer.class.getPackage().getImplementationVersion();
    return v == null ? "dev" : v;
  }
}
