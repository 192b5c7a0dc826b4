package io.statewall.netfilter.rules;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.statewall.netfilter.packet.Family;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * The differential test against real iptables: every corpus file goes through iptables-restore and
 * iptables-save (legacy, in a fresh network namespace) and through our reader; good files must print
 * the same, bad files must be refused by both.
 */
class IptablesCorpusTest {
  private static final String PREFIX = "swpol" + Integer.toHexString(ThreadLocalRandom.current().nextInt(0x10000));

  static Path corpus(String kind) throws URISyntaxException {
    return Path.of(IptablesCorpusTest.class.getResource("corpus/" + kind).toURI());
  }

  static List<Path> files(String kind) throws Exception {
    try (Stream<Path> s = Files.list(corpus(kind))) {
      return s.sorted().toList();
    }
  }

  @TestFactory
  Stream<DynamicTest> goodFilesPrintAsIptablesSavePrintsThem() throws Exception {
    assumeIptables();
    List<Path> files = files("good");
    return files.stream().map(f -> DynamicTest.dynamicTest(f.getFileName().toString(), () -> {
      Family fam = RuleFileReader.familyByName(f);
      Result real = runReal(f, fam);
      assertThat(real.rc).as("iptables-restore of %s: %s", f, real.err).isZero();
      String ours = ours(f, fam).save();
      assertThat(tables(ours)).isEqualTo(tables(real.out));
    }));
  }

  @TestFactory
  Stream<DynamicTest> badFilesAreRefusedByBoth() throws Exception {
    assumeIptables();
    return files("bad").stream().map(f -> DynamicTest.dynamicTest(f.getFileName().toString(), () -> {
      Family fam = RuleFileReader.familyByName(f);
      Result real = runReal(f, fam);
      assertThat(real.rc).as("iptables-restore should refuse %s", f).isNotZero();
      assertThatThrownBy(() -> ours(f, fam))
          .isInstanceOf(RuleSyntaxException.class)
          .hasMessageStartingWith(f.toString() + ":");
    }));
  }

  /** Files iptables loads that statewall refuses on purpose (host-local matches): a located error saying why. */
  @TestFactory
  Stream<DynamicTest> refusedFilesLoadInIptablesAndAreRefusedWithAReason() throws Exception {
    assumeIptables();
    return files("refused").stream().map(f -> DynamicTest.dynamicTest(f.getFileName().toString(), () -> {
      Family fam = RuleFileReader.familyByName(f);
      Result real = runReal(f, fam);
      assertThat(real.rc).as("iptables-restore of %s: %s", f, real.err).isZero();
      assertThatThrownBy(() -> ours(f, fam))
          .isInstanceOf(RuleSyntaxException.class)
          .hasMessageStartingWith(f.toString() + ":")
          .hasMessageContaining("a network cannot see it");
    }));
  }

  /** The sets every corpus file may name with {@code -m set} (loaded into each namespace with ipset restore). */
  static Path ipsets() throws URISyntaxException {
    return Path.of(IptablesCorpusTest.class.getResource("ipsets/corpus.ipset").toURI());
  }

  static RuleSet ours(Path f, Family fam) throws Exception {
    IpSets sets = IpSets.read(Map.of(ipsets().toString(), Files.readString(ipsets())));
    return new RuleFileReader().parse(f.toString(), TextFile.read(f), fam, sets);
  }

  /** Table name to its block, counters zeroed, iptables-save's comment lines dropped. */
  static Map<String, String> tables(String save) {
    Map<String, String> out = new LinkedHashMap<>();
    String table = null;
    StringBuilder sb = new StringBuilder();
    for (String line : save.split("\n")) {
      if (line.startsWith("#") || line.isBlank()) {
        continue;
      }
      if (line.startsWith("*")) {
        table = line.substring(1);
        sb.setLength(0);
      }
      sb.append(line.replaceAll("\\[\\d+:\\d+\\]$", "[0:0]")).append('\n');
      if (line.equals("COMMIT")) {
        out.put(table, sb.toString());
      }
    }
    return out;
  }

  record Result(int rc, String out, String err) {}

  static void assumeIptables() {
    Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/sbin/iptables-legacy-restore"))
        && "root".equals(System.getProperty("user.name")), "needs root and iptables-legacy");
  }

  static Result runReal(Path file, Family fam) throws IOException, InterruptedException, URISyntaxException {
    String ns = PREFIX + "-" + Integer.toHexString(ThreadLocalRandom.current().nextInt());
    String tool = fam == Family.IPV4 ? "iptables" : "ip6tables";
    run(List.of("ip", "netns", "add", ns), null);
    try {
      if (Files.readString(file).contains("-m set")) {
        Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/sbin/ipset")), "-m set needs ipset (apt)");
        Result sets = run(List.of("ip", "netns", "exec", ns, "ipset", "restore"), ipsets());
        if (sets.rc != 0) {
          throw new IOException("ipset restore: " + sets.err);
        }
      }
      Result r = run(List.of("ip", "netns", "exec", ns, tool + "-legacy-restore"), file);
      if (r.rc != 0) {
        return r;
      }
      Result s = run(List.of("ip", "netns", "exec", ns, tool + "-legacy-save"), null);
      return new Result(s.rc, s.out, s.err);
    } finally {
      run(List.of("ip", "netns", "del", ns), null);
    }
  }

  static Result run(List<String> cmd, Path stdin) throws IOException, InterruptedException {
    ProcessBuilder pb = new ProcessBuilder(new ArrayList<>(cmd));
    if (stdin != null) {
      pb.redirectInput(stdin.toFile());
    }
    Process p = pb.start();
    byte[] out = p.getInputStream().readAllBytes();
    byte[] err = p.getErrorStream().readAllBytes();
    if (!p.waitFor(30, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new IOException("timed out: " + cmd);
    }
    return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8), new String(err, StandardCharsets.UTF_8));
  }
}
