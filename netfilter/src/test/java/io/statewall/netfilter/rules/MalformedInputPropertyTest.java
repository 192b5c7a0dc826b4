package io.statewall.netfilter.rules;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;

/** Mangled rule files are refused with a located RuleSyntaxException, never another exception. */
class MalformedInputPropertyTest {
  private static final String[] JUNK = {"!", "-p", "--dport", "-m", "tcp", "\"", "-j", ":", "", "999999", "-A",
      "COMMIT", "*raw", "10.0.0.1/99", "--tcp-flags", "SYN", "-g", "INPUT", "\\", "-s", "ffff::/200", "--icmp-type"};

  @Property(tries = 300)
  void mangledCorpusFilesFailCleanly(@ForAll long seed) throws Exception {
    Random rnd = new Random(seed);
    List<Path> files = IptablesCorpusTest.files("good");
    Path f = files.get(rnd.nextInt(files.size()));
    List<String> words = new ArrayList<>(List.of(Files.readString(f).split(" ", -1)));
    for (int k = 0, n = 1 + rnd.nextInt(3); k < n && !words.isEmpty(); k++) {
      int i = rnd.nextInt(words.size());
      switch (rnd.nextInt(3)) {
        case 0 -> words.remove(i);
        case 1 -> words.set(i, JUNK[rnd.nextInt(JUNK.length)]);
        default -> words.add(i, JUNK[rnd.nextInt(JUNK.length)]);
      }
    }
    String text = String.join(" ", words);
    try {
      RuleSet set = new RuleFileReader(() -> 0L).parse("m.rules", text, RuleFileReader.familyByName(f));
      assertThat(set.save()).isNotNull();
    } catch (RuleSyntaxException e) {
      assertThat(e.line()).isPositive();
      assertThat(e.column()).isPositive();
      assertThat(e.getMessage()).startsWith("m.rules:");
    }
  }
}
