package io.statewall.topology;

import org.projectfloodlight.openflow.types.DatapathId;

/** A change to the network as topology sees it; delivered to {@link TopologyListener}s in order. */
public sealed interface TopologyEvent {

  /** A switch finished its handshake and is part of the network. */
  record SwitchUp(DatapathId sw) implements TopologyEvent {}

  /** A switch disconnected; its links and hosts are gone (their own events come first). */
  record SwitchDown(DatapathId sw) implements TopologyEvent {}

  /** LLDP was seen both ways across a link. */
  record LinkUp(Link link) implements TopologyEvent {}

  /** A link went away: port down, switch gone, re-cabled, or LLDP timed out. */
  record LinkDown(Link link, Reason reason) implements TopologyEvent {}

  /** A MAC seen for the first time (or again after being forgotten). */
  record HostLearned(Host host) implements TopologyEvent {}

  /** A known MAC seen at another edge port: {@code host} is already at its new attachment. */
  record HostMoved(Host host, Attachment from) implements TopologyEvent {}

  /** A host forgotten: its port went down, its switch left, or its port turned out to be a link. */
  record HostRemoved(Host host) implements TopologyEvent {}

  /** Why a link went down. */
  enum Reason {
    PORT_DOWN,
    SWITCH_DOWN,
    TIMEOUT,
    RECABLED
  }
}
