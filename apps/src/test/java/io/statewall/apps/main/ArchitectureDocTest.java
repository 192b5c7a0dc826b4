package io.statewall.apps.main;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * docs/architecture.md walks a packet through the code by class name, and README's layout table lists
 * the modules: both go stale silently when a class is renamed or a module added. This reads them
 * against the source tree (Maven runs the test in apps/, so the repository is its parent).
 */
class ArchitectureDocTest {

  private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
  /** `module/.../package/Type.member`, `package/Type`, `Type.member` or `Type` (not ACCEPT, NEW), in a code span. */
  private static final Pattern CITED = Pattern.compile(
      "^(?:([a-z][a-z-]*)/)?(?:\\.\\.\\./|[a-z]+/)*([A-Z][A-Za-z0-9]*[a-z][A-Za-z0-9]*)(?:\\.([A-Za-z][A-Za-z0-9]*))?$");
  private static final Pattern DECLARED = Pattern.compile("\\b(?:class|interface|record|enum)\\s+([A-Z]\\w*)");
  private static final Pattern IMPORTED = Pattern.compile("^import ([\\w.]+)\\.([A-Z]\\w*);", Pattern.MULTILINE);

  /** Source file (relative to the root, '/'-separated) to its text, main and test, every module. */
  private static Map<String, String> sources;
  /** Types defined in statewall, by simple name, to the files that declare them. */
  private static Map<String, Set<String>> declaredIn;
  /** Types of libraries some statewall file imports (openflowj's U64, ...). */
  private static Set<String> imported;

  @BeforeAll
  static void readSources() throws IOException {
    try (Stream<Path> files = Files.walk(ROOT)) {
      sources = files.filter(p -> p.toString().endsWith(".java"))
          .map(p -> ROOT.relativize(p).toString().replace('\\', '/'))
          .filter(p -> p.contains("/src/main/java/") || p.contains("/src/test/java/"))
          .collect(Collectors.toMap(p -> p, ArchitectureDocTest::read));
    }
    declaredIn = new HashMap<>();
    imported = new TreeSet<>();
    sources.forEach((file, text) -> {
      Matcher d = DECLARED.matcher(text);
      while (d.find()) {
        declaredIn.computeIfAbsent(d.group(1), k -> new TreeSet<>()).add(file);
      }
      Matcher i = IMPORTED.matcher(text);
      while (i.find()) {
        if (!i.group(1).startsWith("io.statewall")) {
          imported.add(i.group(2));
        }
      }
    });
  }

  @Test
  void everyClassTheArchitectureCitesExistsWhereItSays() {
    List<String> cited = citedNames(read(ROOT.resolve("docs/architecture.md")));
    assertThat(cited).as("the walk names classes").hasSizeGreaterThan(40);
    List<String> stale = new ArrayList<>();
    for (String c : cited) {
      Matcher m = CITED.matcher(c);
      if (!m.matches()) {
        continue;
      }
      String module = m.group(1);
      String type = m.group(2);
      String member = m.group(3);
      if (module != null && !Files.isRegularFile(ROOT.resolve(module).resolve("pom.xml"))) {
        module = null; // "hosts/HostTracker": a package, not a module
      }
      String where = module == null ? null : module + "/";
      Set<String> files = declaredIn.getOrDefault(type, Set.of()).stream()
          .filter(f -> where == null || f.startsWith(where))
          .filter(f -> !c.contains("/") || f.contains(packagePath(c)))
          .collect(Collectors.toSet());
      if (files.isEmpty()) {
        if (module != null || !imported.contains(type)) {
          stale.add(c);
        }
        continue;
      }
      if (member != null && files.stream().noneMatch(f -> declaresMember(sources.get(f), member))) {
        stale.add(c);
      }
    }
    assertThat(stale).as("names in docs/architecture.md that the source tree does not have").isEmpty();
  }

  @Test
  void readmesLayoutTableListsExactlyThePomsModules() {
    Set<String> modules = pomModules();
    Set<String> rows = tableRows(read(ROOT.resolve("README.md")), "## Layout");
    Set<String> rowsThatAreModules = rows.stream()
        .filter(r -> Files.isRegularFile(ROOT.resolve(r).resolve("pom.xml")))
        .collect(Collectors.toCollection(TreeSet::new));
    assertThat(rowsThatAreModules).isEqualTo(modules);
    assertThat(rows).allSatisfy(r -> assertThat(ROOT.resolve(r)).isDirectory());
  }

  @Test
  void theArchitecturesModuleTableListsExactlyThePomsModules() {
    assertThat(tableRows(read(ROOT.resolve("docs/architecture.md")), "| module |")).isEqualTo(pomModules());
  }

  private static boolean declaresMember(String text, String member) {
    return Pattern.compile("\\b" + member + "\\s*[(<]|\\b(?:class|interface|record|enum)\\s+" + member + "\\b"
        + "|\\b" + member + "\\s*[,;=)]").matcher(text).find();
  }

  /** "firewall/.../forwarding/FlowProgrammer" -> "/forwarding/"; "Judge.judge" -> "/". */
  private static String packagePath(String cited) {
    String[] parts = cited.split("/");
    String pkg = parts.length >= 2 ? parts[parts.length - 2] : "";
    return pkg.isEmpty() || pkg.equals("...") || Files.isRegularFile(ROOT.resolve(pkg).resolve("pom.xml"))
        ? "/" : "/" + pkg + "/";
  }

  private static List<String> citedNames(String markdown) {
    String prose = markdown.replaceAll("(?s)```.*?```", "");
    List<String> out = new ArrayList<>();
    Matcher m = Pattern.compile("`([^`\\n]+)`").matcher(prose);
    while (m.find()) {
      for (String word : m.group(1).split("[\\s,()]+")) {
        if (CITED.matcher(word).matches()) {
          out.add(word);
        }
      }
    }
    return out;
  }

  /** The first column's `dir/` of the table that follows {@code heading}. */
  private static Set<String> tableRows(String markdown, String heading) {
    int at = markdown.indexOf(heading);
    assertThat(at).as("the table after '%s'", heading).isNotNegative();
    Set<String> rows = new LinkedHashSet<>();
    Matcher m = Pattern.compile("^\\| `([a-z-]+)/` \\|", Pattern.MULTILINE).matcher(markdown);
    boolean inTable = false;
    for (String line : markdown.substring(at).split("\n")) {
      if (line.startsWith("|")) {
        inTable = true;
        Matcher row = m.reset(line);
        if (row.find()) {
          rows.add(row.group(1));
        }
      } else if (inTable) {
        break;
      }
    }
    return rows.stream().collect(Collectors.toCollection(TreeSet::new));
  }

  private static Set<String> pomModules() {
    Matcher m = Pattern.compile("<module>([^<]+)</module>").matcher(read(ROOT.resolve("pom.xml")));
    Set<String> out = new TreeSet<>();
    while (m.find()) {
      out.add(m.group(1));
    }
    assertThat(out).contains("netfilter", "apps");
    return out;
  }

  private static String read(Path p) {
    try {
      return Files.readString(p);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static String read(String relative) {
    return read(ROOT.resolve(relative));
  }
}
