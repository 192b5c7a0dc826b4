package io.statewall.netfilter.policy;

import io.statewall.netfilter.rules.TextFile;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Map;

/**
 * Where the rule files a policy names come from: the directory next to a policy file on disk, or
 * the files sent along with a policy's text (the operator API, which reads nothing from disk).
 */
public interface PolicyFiles {
  /** How the rule file the policy calls {@code name} is named in messages and in the loaded rules. */
  String label(String name);

  /** The text of the rule file the policy calls {@code name}; a {@link NoSuchFileException} saying which when there is none. */
  String read(String name) throws IOException;

  /** Rule files resolved next to {@code policyFile} (its directory), as {@code statewall run} reads them. */
  static PolicyFiles nextTo(Path policyFile) {
    Path dir = policyFile.toAbsolutePath().getParent();
    return new PolicyFiles() {
      @Override
      public String label(String name) {
        return dir.resolve(name).toString();
      }

      @Override
      public String read(String name) throws IOException {
        Path p = dir.resolve(name);
        if (!Files.isRegularFile(p)) {
          throw new NoSuchFileException("no such file " + p);
        }
        return TextFile.read(p);
      }
    };
  }

  /** Exactly the given files, by the names the policy gives them; nothing else can be read. */
  static PolicyFiles of(Map<String, String> files) {
    Map<String, String> copy = Map.copyOf(files);
    return new PolicyFiles() {
      @Override
      public String label(String name) {
        return name;
      }

      @Override
      public String read(String name) throws IOException {
        String text = copy.get(name);
        if (text == null) {
          throw new NoSuchFileException("no file '" + name + "' was given with the policy");
        }
        return text;
      }
    };
  }
}
