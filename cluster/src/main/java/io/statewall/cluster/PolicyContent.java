package io.statewall.cluster;

import java.util.Arrays;
import java.util.Collections;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * A policy by content, as the cluster commits it: the policy YAML's name, every file it needs (the YAML
 * itself and its rule files, by path relative to the YAML) as bytes, and the generation the commit
 * gave it (1 for the first policy, then one more per apply). Every member compiles these same bytes.
 */
public final class PolicyContent {
  private final long generation;
  private final String policyFile;
  private final Map<String, byte[]> files;

  public PolicyContent(long generation, String policyFile, Map<String, byte[]> files) {
    if (generation < 0) {
      throw new IllegalArgumentException("negative generation: " + generation);
    }
    Objects.requireNonNull(policyFile, "policyFile");
    if (!files.containsKey(policyFile)) {
      throw new IllegalArgumentException("the files do not include the policy file " + policyFile);
    }
    TreeMap<String, byte[]> copy = new TreeMap<>();
    files.forEach((name, bytes) -> copy.put(Objects.requireNonNull(name), bytes.clone()));
    this.generation = generation;
    this.policyFile = policyFile;
    this.files = Collections.unmodifiableSortedMap(copy);
  }

  public long generation() {
    return generation;
  }

  public String policyFile() {
    return policyFile;
  }

  /** The file names, sorted. */
  public java.util.Set<String> fileNames() {
    return files.keySet();
  }

  /** A copy of one file's bytes. */
  public byte[] file(String name) {
    byte[] bytes = files.get(name);
    if (bytes == null) {
      throw new IllegalArgumentException("no file " + name + " in policy generation " + generation);
    }
    return bytes.clone();
  }

  PolicyContent withGeneration(long newGeneration) {
    return new PolicyContent(newGeneration, policyFile, files);
  }

  Map<String, byte[]> filesUncopied() {
    return files;
  }

  @Override
  public boolean equals(Object o) {
    if (!(o instanceof PolicyContent other) || generation != other.generation
        || !policyFile.equals(other.policyFile) || !files.keySet().equals(other.files.keySet())) {
      return false;
    }
    return files.entrySet().stream().allMatch(e -> Arrays.equals(e.getValue(), other.files.get(e.getKey())));
  }

  @Override
  public int hashCode() {
    return Objects.hash(generation, policyFile, files.keySet());
  }

  @Override
  public String toString() {
    return "policy " + policyFile + " generation " + generation + " (" + files.size() + " files)";
  }
}
