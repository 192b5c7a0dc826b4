package io.statewall.mininet;

/** What a switch does without a controller: drop (secure, the default) or act as a learning switch. */
public enum FailMode {
  SECURE("secure"),
  STANDALONE("standalone");

  private final String ovsName;

  FailMode(String ovsName) {
    this.ovsName = ovsName;
  }

  /** The value of the bridge's fail_mode column. */
  public String ovsName() {
    return ovsName;
  }
}
