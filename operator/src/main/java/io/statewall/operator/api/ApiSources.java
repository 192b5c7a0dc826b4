package io.statewall.operator.api;

import io.statewall.operator.source.ClusterStatus;
import io.statewall.operator.source.ConntrackView;
import io.statewall.operator.source.MetricsSource;
import io.statewall.operator.source.OffloadView;
import io.statewall.operator.source.PolicyControl;
import io.statewall.operator.source.TopologyView;

/**
 * Everything the API reads and acts on, as narrow views the composition root builds over the apps
 * ({@code topology} null: a server without a network, as some tests start it).
 */
public record ApiSources(ConntrackView conntrack, OffloadView offloads, TopologyView topology, PolicyControl policy,
    MetricsSource metrics, ClusterStatus cluster) {}
