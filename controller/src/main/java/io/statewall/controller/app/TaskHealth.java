package io.statewall.controller.app;

/**
 * The liveness of one periodic task of the apps' scheduler, for {@code /healthz}.
 *
 * @param name what the task does ("conntrack-expiry"), or the class that scheduled it
 * @param periodMillis how often it runs
 * @param lastRunMillis when its last run ended (wall clock ms), 0 before its first
 * @param failure what it died of (it runs no more), or null
 * @param overdue it has not finished a run for well over its period (stuck, or the thread is)
 */
public record TaskHealth(String name, long periodMillis, long lastRunMillis, String failure, boolean overdue) {
  public boolean healthy() {
    return failure == null && !overdue;
  }
}
