package io.statewall.netfilter.rules;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.ByteBuffer;
import java.util.Set;

/**
 * Reads a configuration file (a policy or a rule file) as strict UTF-8, refusing what is not a
 * regular file or is larger than {@link #MAX_BYTES}: a path named over the API may be
 * {@code /dev/zero} (endless) or a FIFO (blocks forever), and neither may take the controller's heap
 * or a thread.
 */
public final class TextFile {
  /** Far above a real rule set (10,000 rules are about 1 MB), far below the heap. */
  public static final int MAX_BYTES = 64 * 1024 * 1024;

  private static final Set<String> KERNEL_FILESYSTEMS = Set.of("proc", "sysfs", "debugfs", "tracefs",
      "securityfs", "configfs", "cgroup", "cgroup2", "bpf", "pstore", "efivarfs");

  private TextFile() {}

  /** The file's text; an {@link IOException} saying why when it is not a readable, bounded, UTF-8 file. */
  public static String read(Path file) throws IOException {
    if (!Files.exists(file)) {
      throw new NoSuchFileException(file.toString());
    }
    if (!Files.isRegularFile(file)) {
      throw new IOException("not a regular file");
    }
    if (KERNEL_FILESYSTEMS.contains(Files.getFileStore(file).type())) {
      // their "regular" files may block (/proc/kmsg) or be read destructively
      throw new IOException("a kernel file (" + Files.getFileStore(file).type() + "), not a configuration file");
    }
    byte[] bytes;
    try (InputStream in = Files.newInputStream(file)) {
      // read one byte past the limit: the size on disk may change, or lie (files under /proc say 0)
      bytes = in.readNBytes(MAX_BYTES + 1);
    }
    if (bytes.length > MAX_BYTES) {
      throw new IOException("larger than " + MAX_BYTES / (1024 * 1024) + " MiB");
    }
    try {
      return StandardCharsets.UTF_8.newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(bytes)).toString();
    } catch (CharacterCodingException e) {
      throw new IOException("not UTF-8 text (" + e + ")", e);
    }
  }
}
