package io.statewall.operator.api;

import io.statewall.firewall.FirewallApp;
import io.statewall.controller.app.App;
import io.statewall.controller.app.AppContext;
import io.statewall.controller.launch.RunOptions;
import io.statewall.controller.launch.UserError;
import io.statewall.topology.TopologyService;
import java.net.InetSocketAddress;
import java.util.Optional;

/**
 * The operator's API as a controller app: started after the firewall (so it can read it), it
 * registers the metrics' listeners and serves HTTP until the controller stops.
 */
public final class ApiApp implements App {
  private final ApiSettings settings;
  private final FirewallApp firewall;
  private final TopologyService topology;
  private final FirewallMetrics metrics;
  private ApiServer server;
  private InetSocketAddress bound;

  public ApiApp(ApiSettings settings, FirewallApp firewall, TopologyService topology, FirewallMetrics metrics) {
    this.settings = settings;
    this.firewall = firewall;
    this.topology = topology;
    this.metrics = metrics;
  }

  /** The API {@code run}'s options ask for ({@code --api}, its token file, TLS, host names); empty with {@code --api off}. */
  public static Optional<ApiApp> forRun(RunOptions options, FirewallApp firewall, TopologyService topology,
      FirewallMetrics metrics) throws UserError {
    try {
      return ApiSettings.parse(options.api())
          .map(s -> new ApiApp(s, firewall, topology, metrics));
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
    metrics.listen(context);
    metrics.watch(firewall);
    // the periodic tasks /healthz reports on (conntrack expiry, offload statistics, discovery)
    java.util.function.Supplier<java.util.List<io.statewall.controller.app.TaskHealth>> tasks =
        context.scheduler() instanceof io.statewall.controller.app.AppScheduler s ? s::health : java.util.List::of;
    server = new ApiServer(settings, firewall, topology, context.switches(), metrics, tasks);
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
