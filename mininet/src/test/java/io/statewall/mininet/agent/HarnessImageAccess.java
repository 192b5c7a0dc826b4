package io.statewall.mininet.agent;

/** Lets tests in other packages name the harness image. */
public final class HarnessImageAccess {
  private HarnessImageAccess() {
  }

  public static String tag() {
    return HarnessImage.tag();
  }
}
