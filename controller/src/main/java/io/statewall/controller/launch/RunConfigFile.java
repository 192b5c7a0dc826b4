package io.statewall.controller.launch;

import java.io.File;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;
import org.snakeyaml.engine.v2.exceptions.YamlEngineException;
import picocli.CommandLine.IDefaultValueProvider;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * The YAML file of {@code run --config}: one key for each option of {@code run}, named as the option
 * without its dashes ({@code --port-packet-in-rate} is {@code port-packet-in-rate}). Keys come from
 * picocli's model of the command, so an option added to {@code run} is a key with no code here. The
 * file supplies the options' defaults: what the command line gives wins. Relative paths are resolved
 * against the file's directory.
 *
 * <p>Options that share a prefix may be written as a section: {@code cluster: {name: N, member: A,
 * peers: [...]}} is {@code cluster: N}, {@code cluster-member: A}, {@code cluster-peers: [...]} (the
 * key {@code name} stands for the prefix itself).
 */
public final class RunConfigFile implements IDefaultValueProvider {
  private final Path file;
  /** Option name (--x) to the value as the command line would spell it. */
  private final Map<String, String> values;

  private RunConfigFile(Path file, Map<String, String> values) {
    this.file = file;
    this.values = values;
  }

  /** The key of an option: its longest name without the leading dashes. */
  public static String key(OptionSpec option) {
    return option.longestName().replaceFirst("^-+", "");
  }

  /** The options of {@code command} a config file may set: all but --help, --version and --config. */
  static Map<String, OptionSpec> settable(CommandSpec command) {
    Map<String, OptionSpec> byKey = new LinkedHashMap<>();
    for (OptionSpec o : command.options()) {
      if (!o.usageHelp() && !o.versionHelp() && !o.longestName().equals(RunCommand.CONFIG_OPTION)) {
        byKey.put(key(o), o);
      }
    }
    return byKey;
  }

  /** Reads {@code file} and checks every key and the shape of every value against {@code command}. */
  static RunConfigFile load(Path file, CommandSpec command) throws UserError {
    String text = PolicyFileCheck.read(file, "config file");
    Object document;
    try {
      document = new Load(LoadSettings.builder().setLabel(file.toString()).build()).loadFromString(text);
    } catch (YamlEngineException e) {
      throw new UserError("config file " + file + " is not valid YAML: " + PolicyFileCheck.oneLine(e.getMessage()));
    }
    if (document == null) {
      return new RunConfigFile(file, Map.of());
    }
    if (!(document instanceof Map<?, ?> map)) {
      throw new UserError("config file " + file + " must be a YAML mapping of run's options (policy: FILE, ...), "
          + "found a " + document.getClass().getSimpleName());
    }
    Map<String, OptionSpec> settable = settable(command);
    Map<String, String> values = new LinkedHashMap<>();
    for (Map.Entry<?, ?> e : map.entrySet()) {
      String key = String.valueOf(e.getKey());
      if (e.getValue() instanceof Map<?, ?> section && isSection(key, settable)) {
        for (Map.Entry<?, ?> inner : section.entrySet()) {
          String sub = String.valueOf(inner.getKey());
          String full = sub.equals(SECTION_NAME) ? key : key + "-" + sub;
          OptionSpec option = settable.get(full);
          if (option == null || sub.startsWith(key + "-")) {
            throw new UserError(where(file, key + "." + sub) + "unknown key (keys of the section '" + key + "': "
                + String.join(", ", sectionKeys(key, settable)) + ")");
          }
          if (values.containsKey(option.longestName())) {
            throw new UserError(where(file, key + "." + sub) + "is set twice");
          }
          values.put(option.longestName(), value(file, key + "." + sub, option, inner.getValue()));
        }
        continue;
      }
      OptionSpec option = settable.get(key);
      if (option == null) {
        throw new UserError(where(file, key) + "unknown key" + suggestion(key, settable.keySet())
            + " (keys: " + String.join(", ", new TreeSet<>(settable.keySet())) + ")");
      }
      if (values.containsKey(option.longestName())) {
        throw new UserError(where(file, key) + "is set twice (also in its section)");
      }
      values.put(option.longestName(), value(file, key, option, e.getValue()));
    }
    return new RunConfigFile(file, values);
  }

  /** In a section, the key that stands for the option named as the section itself. */
  private static final String SECTION_NAME = "name";

  /** Whether {@code key} names a section: some options' keys start with {@code key-}. */
  private static boolean isSection(String key, Map<String, OptionSpec> settable) {
    return settable.keySet().stream().anyMatch(k -> k.startsWith(key + "-"));
  }

  /** The keys a section may hold, as written in it. */
  private static List<String> sectionKeys(String key, Map<String, OptionSpec> settable) {
    List<String> keys = new ArrayList<>();
    if (settable.containsKey(key)) {
      keys.add(SECTION_NAME);
    }
    settable.keySet().stream().filter(k -> k.startsWith(key + "-")).map(k -> k.substring(key.length() + 1))
        .sorted().forEach(keys::add);
    return keys;
  }

  private static String value(Path file, String key, OptionSpec option, Object value) throws UserError {
    if (value == null) {
      throw new UserError(where(file, key) + "has no value");
    }
    if (value instanceof Map) {
      throw new UserError(where(file, key) + "must be a single value, not a mapping");
    }
    if (value instanceof List<?> list) {
      String separator = literal(option.splitRegex());
      if (!option.isMultiValue() || separator == null) {
        throw new UserError(where(file, key) + "takes one value, not a list");
      }
      List<String> parts = new ArrayList<>();
      for (Object v : list) {
        parts.add(scalar(file, key, option, v));
      }
      return String.join(separator, parts);
    }
    boolean flag = option.arity().max() == 0;
    if (flag && !(value instanceof Boolean)) {
      throw new UserError(where(file, key) + "must be true or false, found '" + value + "'");
    }
    return scalar(file, key, option, value);
  }

  private static String scalar(Path file, String key, OptionSpec option, Object value) throws UserError {
    if (value == null || value instanceof Map || value instanceof List) {
      throw new UserError(where(file, key) + "has a value that is not a plain value: " + value);
    }
    String text = String.valueOf(value);
    Class<?> type = option.auxiliaryTypes().length > 0 && option.isMultiValue() ? option.auxiliaryTypes()[0]
        : option.type();
    if ((type == Path.class || type == File.class) && !text.isEmpty()) {
      Path dir = file.toAbsolutePath().getParent();
      return dir.resolve(text).toString();
    }
    return text;
  }

  /** A split regex that is a plain separator (",", ";"), or null. */
  private static String literal(String regex) {
    return regex != null && regex.matches("[,;:| ]") ? regex : null;
  }

  private static String suggestion(String key, Set<String> keys) {
    Optional<String> near = keys.stream().filter(k -> distance(k, key) <= 2).findFirst();
    return near.map(k -> " (did you mean '" + k + "'?)").orElse("");
  }

  private static int distance(String a, String b) {
    int[] prev = new int[b.length() + 1];
    for (int j = 0; j <= b.length(); j++) {
      prev[j] = j;
    }
    for (int i = 1; i <= a.length(); i++) {
      int[] cur = new int[b.length() + 1];
      cur[0] = i;
      for (int j = 1; j <= b.length(); j++) {
        cur[j] = Math.min(Math.min(cur[j - 1], prev[j]) + 1, prev[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1));
      }
      prev = cur;
    }
    return prev[b.length()];
  }

  static String where(Path file, String key) {
    return "config file " + file + ": key '" + key + "' ";
  }

  Path file() {
    return file;
  }

  /** Whether the file sets {@code option}. */
  boolean sets(OptionSpec option) {
    return values.containsKey(option.longestName());
  }

  /** The keys the file sets, in its order. */
  List<String> keys() {
    return values.keySet().stream().map(n -> n.replaceFirst("^-+", "")).collect(Collectors.toList());
  }

  @Override
  public String defaultValue(ArgSpec argSpec) {
    if (argSpec instanceof OptionSpec option) {
      return values.get(option.longestName());
    }
    return null;
  }
}
