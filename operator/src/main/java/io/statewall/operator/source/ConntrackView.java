package io.statewall.operator.source;

import io.statewall.netfilter.conntrack.CtEntry;
import io.statewall.netfilter.conntrack.CtStats;
import io.statewall.netfilter.conntrack.CtTuple;
import io.statewall.netfilter.conntrack.Expectation;
import java.util.List;

/** The network's conntrack table as the operator sees it: list, delete, flush, its figures. */
public interface ConntrackView {
  /** Every tracked connection now (a copy; filtering, sorting and paging are the caller's). */
  List<CtEntry> entries();

  /** The connection as {@code conntrack -L} prints it. */
  String format(CtEntry entry);

  /** Deletes the connection with this tuple (either direction) and its switch entries: how many went. */
  int delete(CtTuple tuple);

  /** Deletes every connection and expectation ({@code conntrack -F}): how many connections went. */
  int flush();

  List<Expectation> expectations();

  CtStats stats();
}
