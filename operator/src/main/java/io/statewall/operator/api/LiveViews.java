package io.statewall.operator.api;

import io.statewall.operator.api.Views.HostView;
import io.statewall.operator.api.Views.LinkView;
import io.statewall.operator.api.Views.RuleView;
import io.statewall.operator.api.Views.SwitchView;
import java.lang.reflect.Type;
import java.util.List;
import java.util.Map;

/** The JSON shapes of the live streams ({@code /api/v1/events/...}) the web view reads. */
public final class LiveViews {
  private LiveViews() {}

  /** The events' data, as the OpenAPI document names them. */
  static final List<Type> EVENTS = List.of(NetworkSnapshot.class, VerdictEvent.class, More.class);

  /**
   * The network as the graph draws it, sent whole on connect and after every change (changes
   * within a few milliseconds are sent as one): {@code causes} names the topology events since the
   * last one ("LinkDown", "HostLearned", ...); {@code connectionEntries} counts, per switch dpid, the
   * exact entries statewall holds there for offloaded connections (not the switch's whole table).
   */
  public record NetworkSnapshot(long at, List<String> causes, List<SwitchView> switches, List<LinkView> links,
      List<HostView> hosts, Map<String, Integer> connectionEntries) {}

  /** A dropped or rejected packet, where it came in, and the rule (file:line) or reason that decided. */
  public record VerdictEvent(long at, String verdict, String proto, String src, String dst, Integer sport,
      Integer dport, Views.End in, String state, RuleView rule, String reason) {}

  /** Events a client was not sent because it was over its rate (or its queue was full). */
  public record More(int more) {}
}
