package io.statewall.operator.api;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Map;
import java.util.Set;

/**
 * The API's bearer token in a file only its owner can read: where it lives by default, created
 * random on the controller's first start, read by the controller and the CLI alike.
 */
public final class ApiTokenFile {
  /** Overrides the default place for both the controller and the CLI. */
  public static final String ENV = "STATEWALL_API_TOKEN_FILE";
  static final Path ROOT_DEFAULT = Path.of("/var/lib/statewall/api-token");
  /** 32 random bytes, 43 characters of base64url. */
  private static final int TOKEN_BYTES = 32;
  private static final int MIN_LENGTH = 16;

  private ApiTokenFile() {}

  /** $STATEWALL_API_TOKEN_FILE, else /var/lib/statewall/api-token as root, else ~/.statewall/api-token. */
  public static Path defaultPath() {
    return defaultPath(System.getenv(), isRoot(), Path.of(System.getProperty("user.home")));
  }

  static Path defaultPath(Map<String, String> env, boolean root, Path home) {
    String given = env.get(ENV);
    if (given != null && !given.isBlank()) {
      return Path.of(given);
    }
    return root ? ROOT_DEFAULT : home.resolve(".statewall").resolve("api-token");
  }

  private static boolean isRoot() {
    try {
      return Integer.valueOf(0).equals(Files.getAttribute(Path.of("/proc/self"), "unix:uid"));
    } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
      return "root".equals(System.getProperty("user.name"));
    }
  }

  /**
   * The token in {@code file}, which is created first (directory 0700, file 0600, a fresh random
   * token) when it does not exist. Throws with a one-line reason when it cannot be read or made, or
   * when others than its owner's group may read it.
   */
  public static String readOrCreate(Path file) throws IOException {
    if (!Files.exists(file)) {
      create(file);
    }
    return read(file);
  }

  /** The token in an existing {@code file}; refuses a file everyone may read, as ssh refuses such a key. */
  public static String read(Path file) throws IOException {
    if (!Files.isRegularFile(file)) {
      throw Files.exists(file) ? new IOException(file + " is not a regular file")
          : new NoSuchFileException(file + ": no such token file");
    }
    try {
      Set<PosixFilePermission> perms = Files.getPosixFilePermissions(file);
      if (perms.contains(PosixFilePermission.OTHERS_READ) || perms.contains(PosixFilePermission.OTHERS_WRITE)) {
        throw new IOException("token file " + file + " is readable or writable by every user ("
            + PosixFilePermissions.toString(perms) + "): chmod 600 it");
      }
    } catch (UnsupportedOperationException e) {
      // not a POSIX file system: nothing to check
    }
    String t = Files.readString(file, StandardCharsets.UTF_8).strip();
    if (t.length() < MIN_LENGTH || t.length() > 4096 || t.chars().anyMatch(c -> c <= ' ' || c > '~')) {
      throw new IOException("token file " + file + ": the token must be " + MIN_LENGTH
          + " to 4096 printable characters on one line");
    }
    return t;
  }

  private static void create(Path file) throws IOException {
    Path dir = file.toAbsolutePath().getParent();
    if (!Files.isDirectory(dir)) {
      Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
    }
    byte[] raw = new byte[TOKEN_BYTES];
    new SecureRandom().nextBytes(raw);
    String token = Base64.getUrlEncoder().withoutPadding().encodeToString(raw);
    // written whole under another name, then linked into place: a second controller starting at the
    // same moment finds either no file or a complete one, never half a token
    Path tmp = Files.createTempFile(dir, ".api-token", ".tmp",
        PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    try {
      Files.writeString(tmp, token + "\n", StandardCharsets.UTF_8);
      Files.createLink(file, tmp);
    } catch (FileAlreadyExistsException e) {
      // another process made it first: its token is the one
    } finally {
      Files.deleteIfExists(tmp);
    }
  }
}
