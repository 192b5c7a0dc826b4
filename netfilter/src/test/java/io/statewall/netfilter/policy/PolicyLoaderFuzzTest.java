package io.statewall.netfilter.policy;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.DictionaryEntries;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.statewall.netfilter.FuzzBudget;
import io.statewall.netfilter.rules.RuleFileReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Pattern;

/**
 * Arbitrary bytes as the policy YAML, loaded from a directory that also holds the seed's rule files:
 * {@link PolicyLoader#load} returns a policy or a {@link PolicyException} naming the file, nothing else.
 * Seeds: {@code PolicyLoaderFuzzTestInputs/load/} in the test resources; see docs/fuzzing.md.
 */
class PolicyLoaderFuzzTest {
  /**
   * A policy may name any rule file; the fuzzer must not make it read devices or the kernel's files
   * (reading /proc/kmsg blocks and consumes the kernel log).
   */
  private static final Pattern OUTSIDE_THE_DIRECTORY = Pattern.compile("/(proc|sys|dev|run)\\b|\\.\\.");

  private final Path dir;

  PolicyLoaderFuzzTest() throws IOException {
    // one directory per test instance: Jazzer reuses the instance across a fuzzing session
    dir = Files.createTempDirectory("policy-fuzz");
    dir.toFile().deleteOnExit();
    for (String rules : new String[] {"desktop.rules", "servers.rules", "network.rules"}) {
      try (var in = PolicyLoaderFuzzTest.class.getResourceAsStream("seed/" + rules)) {
        Path p = dir.resolve(rules);
        Files.write(p, in.readAllBytes());
        p.toFile().deleteOnExit();
      }
    }
    Files.writeString(dir.resolve("web.rules6"), "*filter\n:INPUT DROP [0:0]\n-A INPUT -p tcp --dport 443 -j ACCEPT\n"
        + "COMMIT\n");
    dir.resolve("web.rules6").toFile().deleteOnExit();
    dir.resolve("policy.yaml").toFile().deleteOnExit();
  }

  @DictionaryEntries({"hosts:", "network:", "helpers:", "offload:", "- name: ", "address: ", "addresses: ",
      "rules: ", "rules6: ", "desktop.rules", "servers.rules", "network.rules", "web.rules6", "ftp: ",
      "idle-timeout: ", "10.0.0.1", "10.0.1.0/24", "2001:db8::2", "[21, 2121]", "&a", "*a", "!!str", "---", "{", "}",
      "[", "]", ": ", "- "})
  @FuzzTest(maxDuration = FuzzBudget.SESSION)
  void load(byte[] data) throws Throwable {
    FuzzBudget.bounded(() -> loadOnce(data));
  }

  private void loadOnce(byte[] data) throws IOException {
    String text = new String(data, StandardCharsets.UTF_8);
    if (OUTSIDE_THE_DIRECTORY.matcher(text).find()) {
      return;
    }
    Path file = dir.resolve("policy.yaml");
    Files.write(file, data);
    try {
      Policy policy = new PolicyLoader(new RuleFileReader(() -> 0L)).load(file);
      assertThat(policy).isNotNull();
    } catch (PolicyException e) {
      assertThat(e.file()).as(e.getMessage()).isNotNull();
      assertThat(e.getMessage()).startsWith(e.file());
      assertThat(e.line()).as(e.getMessage()).isNotNegative();
    } catch (UncheckedIOException e) {
      throw new AssertionError("an I/O error escaped as unchecked", e);
    }
  }
}
