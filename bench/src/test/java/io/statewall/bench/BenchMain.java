package io.statewall.bench;

/** Runs the JMH benchmarks of this module: {@code BenchMain <regex> -f 1 -wi 2 -i 3}. */
public final class BenchMain {
  private BenchMain() {}

  public static void main(String[] args) throws Exception {
    org.openjdk.jmh.Main.main(args);
  }
}
