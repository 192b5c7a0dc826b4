package io.statewall.firewall.forwarding;

/**
 * Flow entry parameters.
 *
 * @param idleTimeoutSeconds an unused entry leaves the switch after this long (policy {@code
 *     offload.idle-timeout})
 * @param priority the priority of connection entries (above the table-miss entry's 0)
 */
public record ForwardingSettings(int idleTimeoutSeconds, int priority) {

  public static final ForwardingSettings DEFAULTS = new ForwardingSettings(60, 100);

  public ForwardingSettings {
    if (idleTimeoutSeconds < 1 || idleTimeoutSeconds > 0xFFFF) {
      throw new IllegalArgumentException("idle timeout must be 1..65535 s: " + idleTimeoutSeconds);
    }
    if (priority < 1 || priority > 0xFFFF) {
      throw new IllegalArgumentException("priority must be 1..65535: " + priority);
    }
  }
}
