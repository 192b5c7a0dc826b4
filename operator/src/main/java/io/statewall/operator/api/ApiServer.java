package io.statewall.operator.api;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.javalin.Javalin;
import io.javalin.http.Context;
import io.javalin.http.HandlerType;
import io.javalin.http.HttpResponseException;
import io.javalin.json.JavalinJackson;
import io.statewall.operator.api.Views.Deleted;
import io.statewall.operator.api.Views.ErrorView;
import io.statewall.operator.api.Views.ExpectationView;
import io.statewall.operator.api.Views.Health;
import io.statewall.operator.api.Views.Page;
import io.statewall.operator.api.Views.PolicyErrorView;
import io.statewall.operator.api.Views.TupleView;
import io.statewall.netfilter.conntrack.ConnTracker;
import io.statewall.netfilter.conntrack.CtDirection;
import io.statewall.netfilter.conntrack.CtEntry;
import io.statewall.netfilter.conntrack.CtTuple;
import io.statewall.netfilter.conntrack.Expectation;
import io.statewall.firewall.FirewallApp;
import io.statewall.netfilter.policy.Policy;
import io.statewall.netfilter.policy.PolicyException;
import io.statewall.netfilter.policy.PolicyLoader;
import io.statewall.controller.switches.SwitchRegistry;
import io.statewall.topology.TopologyService;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicReference;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
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
  /** Requests are small (a policy path, filters); anything bigger is refused with 413. */
  static final long MAX_BODY = 64 * 1024;
  static final int MAX_PAGE = 10_000;
  /** How much of the offending text a policy error quotes. */
  static final int MAX_TOKEN = 60;

  private final ApiSettings settings;
  private final FirewallApp firewall;
  private final FirewallMetrics metrics;
  private final NetworkViews network;
  private final PolicyViews policies;
  private final Tracer tracer;
  private final PolicyRequestReader policyRequests = new PolicyRequestReader();
  private final ObjectMapper json = new ObjectMapper()
      .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
      .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
      .enable(SerializationFeature.INDENT_OUTPUT);
  private final List<Route> routes;
  private Javalin app;

  public ApiServer(ApiSettings settings, FirewallApp firewall, TopologyService topology, SwitchRegistry switches,
      FirewallMetrics metrics) {
    this.settings = settings;
    this.firewall = firewall;
    this.metrics = metrics;
    this.network = new NetworkViews(switches, topology);
    this.policies = new PolicyViews(firewall);
    this.tracer = new Tracer(firewall, topology);
    this.routes = routes();
  }

  private static final Set<String> LIST_PARAMS = with(ConntrackFilter.PARAMS, "offset", "limit");
  private static final Set<String> DELETE_PARAMS = with(ConntrackFilter.PARAMS, "all");

  private static Set<String> with(Set<String> base, String... more) {
    Set<String> s = new HashSet<>(base);
    s.addAll(List.of(more));
    return Set.copyOf(s);
  }

  private List<Route> routes() {
    return List.of(
        new Route(HandlerType.GET, "/healthz", "Liveness: ok while the controller runs", Set.of(), false,
            ctx -> ctx.json(new Health("ok", network.switches().size(), firewall.tracker().stats().entries()))),
        new Route(HandlerType.GET, "/metrics", "Prometheus metrics (text format 0.0.4)", Set.of(), false,
            ctx -> ctx.contentType(FirewallMetrics.contentType()).result(metrics.scrape())),
        new Route(HandlerType.GET, "/api/v1/openapi.json", "This document", Set.of(), false,
            ctx -> ctx.json(OpenApiDocument.of(this.routes, version()))),
        new Route(HandlerType.GET, "/api/v1/switches", "Connected switches and their ports", Set.of(), false,
            ctx -> ctx.json(network.switches())),
        new Route(HandlerType.GET, "/api/v1/links", "Switch-to-switch links seen by LLDP", Set.of(), false,
            ctx -> ctx.json(network.links())),
        new Route(HandlerType.GET, "/api/v1/hosts", "Hosts learned from their packets", Set.of(), false,
            ctx -> ctx.json(network.hosts())),
        new Route(HandlerType.GET, "/api/v1/conntrack",
            "Tracked connections (conntrack -L), filtered on the original tuple, paged", LIST_PARAMS, false,
            this::listConnections),
        new Route(HandlerType.DELETE, "/api/v1/conntrack",
            "Delete the matching connections and their switch entries (conntrack -D); all=true flushes (-F)",
            DELETE_PARAMS, false, this::deleteConnections),
        new Route(HandlerType.GET, "/api/v1/expectations", "Pending expectations (conntrack -L expect)", Set.of(),
            false, this::listExpectations),
        new Route(HandlerType.GET, "/api/v1/policy", "The running policy in iptables-save form, with its files",
            Set.of(), false, ctx -> ctx.json(policies.current())),
        new Route(HandlerType.PUT, "/api/v1/policy",
            "Load and apply a policy atomically; dry-run=true reports what would change and changes nothing",
            Set.of("dry-run"), true, this::putPolicy),
        new Route(HandlerType.GET, "/api/v1/trace", "What the firewall would do with a packet, chain by chain",
            Tracer.PARAMS, false, ctx -> ctx.json(tracer.trace(query(ctx, Tracer.PARAMS)))));
  }

  /** Binds and serves; returns the bound address (a free port when the settings say 0). */
  public synchronized InetSocketAddress start() {
    AtomicReference<ServerConnector> https = new AtomicReference<>();
    char[] password = UUID.randomUUID().toString().toCharArray();
    KeyStore tlsKeys = keyStore(password);
    Javalin j = Javalin.create(cfg -> {
      cfg.showJavalinBanner = false;
      cfg.startupWatcherEnabled = false;
      cfg.http.maxRequestSize = MAX_BODY;
      cfg.http.prefer405over404 = true;
      cfg.jsonMapper(new JavalinJackson(json, false));
      // a few operators, not the internet: a small pool, named for thread dumps
      QueuedThreadPool pool = new QueuedThreadPool(16, 2);
      pool.setName("statewall-api");
      cfg.jetty.threadPool = pool;
      cfg.jetty.modifyServer(server -> server.setErrorHandler(new JsonErrorHandler()));
      if (tlsKeys != null) {
        // HTTPS only: the one connector is ours, with the operator's certificate
        cfg.jetty.addConnector((server, httpConfig) -> {
          https.set(httpsConnector(server, httpConfig, tlsKeys, password));
          return https.get();
        });
      }
    });
    j.beforeMatched(this::authorize);
    for (Route r : routes) {
      j.addHttpHandler(r.method(), r.path(), ctx -> {
        checkEncoding(ctx.queryString());
        query(ctx, r.params());
        r.handler().handle(ctx);
      });
    }
    j.exception(ApiError.class, (e, ctx) -> error(ctx, e.status(), e.getMessage()));
    j.exception(HttpResponseException.class, (e, ctx) -> error(ctx, e.getStatus(), e.getMessage()));
    j.exception(Exception.class, (e, ctx) -> {
      log.warn("API {} {} failed", ctx.method(), ctx.path(), e);
      error(ctx, 500, "internal error: " + e);
    });
    try {
      if (tlsKeys != null) {
        j.start();
      } else {
        j.start(settings.host(), settings.port());
      }
    } catch (RuntimeException e) {
      throw new UncheckedIOException(new IOException("cannot start the API on " + settings + ": "
          + (e.getCause() != null ? e.getCause().getMessage() : e.getMessage()), e));
    }
    app = j;
    int port = https.get() != null ? https.get().getLocalPort() : j.port();
    log.info("operator API on {}://{}:{}{}", https.get() != null ? "https" : "http", settings.host(), port,
        settings.token().isPresent() ? " (bearer token required)" : "");
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

  private ServerConnector httpsConnector(Server server, HttpConfiguration base, KeyStore keys, char[] password) {
    SslContextFactory.Server ssl = new SslContextFactory.Server();
    ssl.setKeyStore(keys);
    ssl.setKeyStorePassword(new String(password));
    HttpConfiguration conf = new HttpConfiguration(base);
    // operators connect by address as often as by name: no SNI host check
    conf.addCustomizer(new SecureRequestCustomizer(false));
    ServerConnector c = new ServerConnector(server, new SslConnectionFactory(ssl, "http/1.1"),
        new HttpConnectionFactory(conf));
    c.setHost(settings.host());
    c.setPort(settings.port());
    return c;
  }

  @Override
  public synchronized void close() {
    if (app != null) {
      app.stop();
      app = null;
    }
  }

  private void authorize(Context ctx) {
    if (settings.token().isEmpty() || ctx.path().equals("/healthz")) {
      return;
    }
    String h = ctx.header("Authorization");
    byte[] given = h != null && h.startsWith("Bearer ") ? h.substring(7).strip().getBytes(StandardCharsets.UTF_8)
        : new byte[0];
    if (!MessageDigest.isEqual(given, settings.token().get().getBytes(StandardCharsets.UTF_8))) {
      ctx.header("WWW-Authenticate", "Bearer");
      throw new ApiError(401, h == null ? "a bearer token is required (Authorization: Bearer ...)"
          : "wrong bearer token");
    }
  }

  private static void error(Context ctx, int status, String message) {
    ctx.status(status).json(new ErrorView(status, message == null ? "error" : message));
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
    ConnTracker t = firewall.tracker();
    List<CtEntry> all = t.entries().stream().filter(f)
        .sorted(Comparator.comparing((CtEntry e) -> e.tuple(CtDirection.ORIGINAL).toString()))
        .toList();
    List<Views.ConnectionView> items = new ArrayList<>();
    int from = Math.min(offset, all.size());
    int to = (int) Math.min(all.size(), (long) offset + limit);
    for (CtEntry e : all.subList(from, to)) {
      items.add(new Views.ConnectionView(t.format(e), e.protocol(), e.tcpStateName(),
          TupleView.of(e.tuple(CtDirection.ORIGINAL)), TupleView.of(e.tuple(CtDirection.REPLY)),
          e.hasStatus(CtEntry.SEEN_REPLY), e.hasStatus(CtEntry.ASSURED), e.helper(),
          firewall.offloads().cookie(e).map(Object::toString).orElse(null)));
    }
    ctx.json(new Page<>(all.size(), offset, limit, items));
  }

  private void deleteConnections(Context ctx) {
    Query q = query(ctx, DELETE_PARAMS);
    ConntrackFilter f = ConntrackFilter.of(q);
    boolean all = q.flag("all");
    if (all && !f.isEmpty()) {
      throw ApiError.badRequest("all=true deletes everything: give it without filters");
    }
    if (all) {
      ctx.json(new Deleted(firewall.tracker().flush()));
      return;
    }
    if (f.isEmpty()) {
      throw ApiError.badRequest("give at least one filter (proto, src, dst, addr, sport, dport, state), or all=true");
    }
    int n = 0;
    for (CtEntry e : firewall.tracker().entries()) {
      if (f.test(e)) {
        n += firewall.tracker().delete(e.tuple(CtDirection.ORIGINAL));
      }
    }
    ctx.json(new Deleted(n));
  }

  private void listExpectations(Context ctx) {
    ctx.json(firewall.tracker().expectations().stream()
        .map(x -> new ExpectationView(expectationLine(x, System.currentTimeMillis()), x.src().toString(),
            x.dst().toString(), x.protocol(), x.dstPort(), x.helper(),
            TupleView.of(x.master().tuple(CtDirection.ORIGINAL)), x.expiresAtMillis()))
        .toList());
  }

  /** As {@code conntrack -L expect} prints it (the tracker's clock is the system's in a running controller). */
  static String expectationLine(Expectation x, long now) {
    String full = x.src().v6() ? "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff" : "255.255.255.255";
    CtTuple m = x.master().tuple(CtDirection.ORIGINAL);
    return Math.max(0, (x.expiresAtMillis() - now) / 1000) + " proto=" + x.protocol() + " src=" + x.src()
        + " dst=" + x.dst() + " sport=0 dport=" + x.dstPort() + " mask-src=" + full + " mask-dst=" + full
        + " sport=0 dport=65535 master-src=" + m.src() + " master-dst=" + m.dst() + " sport=" + m.srcPort()
        + " dport=" + m.dstPort() + " class=0" + (x.helper() == null ? "" : " helper=" + x.helper());
  }

  private void putPolicy(Context ctx) {
    boolean dryRun = query(ctx, Set.of("dry-run")).flag("dry-run");
    Path file = policyRequests.read(ctx.bodyAsBytes());
    Policy next;
    try {
      next = new PolicyLoader().load(file);
    } catch (PolicyException e) {
      // the token is what the file says at the error: cut it short, it may be any file's contents
      String token = e.token();
      String message = e.getMessage();
      if (token != null && token.length() > MAX_TOKEN) {
        String cut = token.substring(0, MAX_TOKEN) + "...";
        message = message.replace(token, cut);
        token = cut;
      }
      ctx.status(400).json(new PolicyErrorView(400, message, e.file(), e.line(), e.column(), token));
      return;
    }
    // one change at a time: a dry run answers for the policy running when it is made
    synchronized (this) {
      ctx.json(policies.change(next, !dryRun));
    }
  }

  private static String version() {
    String v = ApiServer.class.getPackage().getImplementationVersion();
    return v == null ? "dev" : v;
  }
}
