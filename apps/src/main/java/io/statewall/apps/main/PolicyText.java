package io.statewall.apps.main;

import io.statewall.netfilter.policy.Policy;
import io.statewall.netfilter.policy.PolicyException;
import io.statewall.netfilter.policy.PolicyFiles;
import io.statewall.netfilter.policy.PolicyLoader;
import io.statewall.netfilter.rules.TextFile;
import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A policy by its text, as a cluster commits it: the policy YAML called {@code name} and every rule file
 * it reads, by the names it gives them. Every member compiles it the same way, from these texts only.
 */
record PolicyText(String name, String policy, Map<String, String> files) {
  PolicyText {
    files = Map.copyOf(files);
    if (files.containsKey(name)) {
      throw new IllegalArgumentException("a rule file has the policy's own name " + name);
    }
  }

  /** A policy loaded from disk, and the text it was loaded from. */
  record Loaded(Policy policy, PolicyText text) {}

  /**
   * Loads {@code file} as {@link PolicyLoader#load} does (rule files next to it, named in messages by
   * their paths, so the reloader can watch them), keeping the text of every file it read.
   */
  static Loaded read(Path file, PolicyLoader loader) throws PolicyException {
    Path abs = file.toAbsolutePath().normalize();
    String text;
    try {
      text = TextFile.read(abs);
    } catch (NoSuchFileException e) {
      throw new PolicyException(abs.toString(), 0, 0, null, "no such file");
    } catch (IOException e) {
      throw new PolicyException(abs.toString(), 0, 0, null, "cannot read: " + e.getMessage());
    }
    PolicyFiles disk = PolicyFiles.nextTo(abs);
    Map<String, String> read = new LinkedHashMap<>();
    Policy policy = loader.parse(abs.toString(), text, new PolicyFiles() {
      @Override
      public String label(String name) {
        return disk.label(name);
      }

      @Override
      public String read(String name) throws IOException {
        String t = disk.read(name);
        read.put(name, t);
        return t;
      }
    });
    return new Loaded(policy, new PolicyText(abs.toString(), text, read));
  }

  /** Compiles the text with {@code loader}: rule files from {@link #files} only, named as the policy names them. */
  Policy compile(PolicyLoader loader) throws PolicyException {
    return loader.parse(name, policy, PolicyFiles.of(files));
  }
}
