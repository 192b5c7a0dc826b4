package io.statewall.controller.launch;

import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Map;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;
import org.snakeyaml.engine.v2.exceptions.YamlEngineException;

/**
 * Checks that the policy file can be read and is a YAML mapping. A stand-in until the policy engine's
 * loader, which the composition root will call through the {@link AppAssembler}.
 */
final class PolicyFileCheck {
  private PolicyFileCheck() {}

  static void check(Path policy) throws UserError {
    String text = read(policy);
    Object document;
    try {
      document = new Load(LoadSettings.builder().setLabel(policy.toString()).build()).loadFromString(text);
    } catch (YamlEngineException e) {
      throw new UserError("policy file " + policy + " is not valid YAML: " + oneLine(e.getMessage()));
    }
    if (!(document instanceof Map)) {
      throw new UserError("policy file " + policy + " must be a YAML mapping (hosts:, network:, ...), found "
          + (document == null ? "an empty document" : "a " + document.getClass().getSimpleName()));
    }
  }

  static String read(Path file) throws UserError {
    return read(file, "policy file");
  }

  /** The file's text; {@code what} ("policy file", "config file") names it in the error. */
  static String read(Path file, String what) throws UserError {
    if (Files.isDirectory(file)) {
      throw new UserError("cannot read " + what + " " + file + ": it is a directory");
    }
    try {
      return Files.readString(file);
    } catch (NoSuchFileException e) {
      throw new UserError("cannot read " + what + " " + file + ": no such file");
    } catch (AccessDeniedException e) {
      throw new UserError("cannot read " + what + " " + file + ": permission denied");
    } catch (CharacterCodingException e) {
      throw new UserError("cannot read " + what + " " + file + ": not UTF-8 text");
    } catch (IOException e) {
      throw new UserError("cannot read " + what + " " + file + ": " + oneLine(String.valueOf(e.getMessage())));
    }
  }

  static String oneLine(String message) {
    return message.replaceAll("\\s*\\R\\s*", " ").trim();
  }
}
