/**
 * What the operator interface reads and acts on: narrow views of conntrack, offload, topology, the
 * policy, the metrics' figures and the cluster, implemented by adapters the composition root builds.
 * The API sees these and the netfilter and topology data types, never an app object.
 */
package io.statewall.operator.source;
