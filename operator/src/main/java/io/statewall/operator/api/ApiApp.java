package io.statewall.operator.api;

import io.statewall.controller.app.App;
import io.statewall.controller.app.AppContext;
import io.statewall.controller.app.AppScheduler;
import io.statewall.controller.app.TaskHealth;
import io.statewall.controller.launch.RunOptions;
import io.statewall.controller.launch.UserError;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The operator's API as a controller app: started after the firewall (so it can read it), it
 * registers the metrics' listeners and serves HTTP until the controller stops. What it reads comes
 * from {@code sources}, built by the composition root once the controller's context exists.
 */
public final class ApiApp implements App {
  private final ApiSettings settings;
  private final Function<AppContext, ApiSources> sources;
  private final FirewallMetrics metrics;
  private ApiServer server;
  private InetSocketAddress bound;

  public ApiApp(ApiSettings settings, Function<AppContext, ApiSources> sources, FirewallMetrics metrics) {
    this.settings = settings;
    this.sources = sources;
    this.metrics = metrics;
  }

  /** The API {@code run}'s options ask for ({@code --api}, its token file, TLS, host names); empty with {@code --api off}. */
  public static Optional<ApiApp> forRun(RunOptions options, Function<AppContext, ApiSources> sources,
      FirewallMetrics metrics) throws UserError {
    try {
      return ApiSettings.parse(options.api()).map(s -> new ApiApp(s, sources, metrics));
    } catch (IllegalArgumentException e) {
      throw new UserError(e.getMessage());
    }
  }

  @Override
  public String name() {
    return "api";
  }

  @Override
  public void start(AppContext context) {
    ApiSources views = sources.apply(context);
    metrics.listen(context);
    metrics.watch(views.metrics());
    if (views.topology() != null) {
      metrics.watch(views.topology(), views.cluster());
    }
    // the periodic tasks /healthz reports on (conntrack expiry, offload statistics, discovery)
    Supplier<List<TaskHealth>> tasks = context.scheduler() instanceof AppScheduler s ? s::health : List::of;
    server = new ApiServer(settings, views, metrics, tasks);
    bound = server.start();
  }

  @Override
  public void stop() {
    if (server != null) {
      server.close();
    }
  }

  /** Where the API listens, once started. */
  public InetSocketAddress address() {
    return bound;
  }
}
