package io.statewall.mininet;

/**
 * One flow entry as ovs-ofctl dump-flows prints it. {@code match} is OVS's text without the priority
 * (e.g. {@code "tcp,in_port=1,nw_src=10.0.0.1"}, empty for match-all); {@code actions} is the text after
 * {@code actions=}. Timeouts are 0 when the entry has none.
 */
public record FlowEntry(long cookie, int table, int priority, String match, String actions,
    long packets, long bytes, int idleTimeout, int hardTimeout) {

  /** OpenFlow's default priority, which OVS leaves out of its output. */
  public static final int DEFAULT_PRIORITY = 32768;

  /** True when the match text lists this field (e.g. {@code "tcp"} or {@code "nw_src=10.0.0.1"}). */
  public boolean matches(String field) {
    for (String part : match.split(",")) {
      if (part.equals(field)) {
        return true;
      }
    }
    return false;
  }
}
