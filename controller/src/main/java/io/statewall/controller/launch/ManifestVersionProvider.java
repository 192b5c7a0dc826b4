package io.statewall.controller.launch;

import picocli.CommandLine.IVersionProvider;

/** The version from the jar manifest's Implementation-Version; "dev" when run from classes. */
final class ManifestVersionProvider implements IVersionProvider {
  @Override
  public String[] getVersion() {
    return new String[] {"statewall " + version()};
  }

  static String version() {
    String v = StatewallCli.class.getPackage().getImplementationVersion();
    return v == null || v.isBlank() ? "dev" : v;
  }
}
