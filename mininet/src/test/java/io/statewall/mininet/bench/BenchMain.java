package io.statewall.mininet.bench;

/** Runs this module's JMH benchmarks: {@code BenchMain <regex> -f 1 -wi 0 -i 5}. */
public final class BenchMain {
  private BenchMain() {
  }

  public static void main(String[] args) throws Exception {
    org.openjdk.jmh.Main.main(args);
  }
}
