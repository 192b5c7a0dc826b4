package io.statewall.netfilter.rules;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.statewall.netfilter.policy.PolicyException;
import io.statewall.netfilter.policy.PolicyLoader;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A policy path comes from the operator's API: whatever it names, reading it ends with its text or a
 * clear error, never an endless read, a blocked thread or a heap filled by one file.
 */
class TextFileTest {

  @Test
  void readsARegularUtf8File(@TempDir Path dir) throws Exception {
    Path f = Files.writeString(dir.resolve("a.rules"), "*filter\n# é\nCOMMIT\n");
    assertThat(TextFile.read(f)).isEqualTo("*filter\n# é\nCOMMIT\n");
  }

  @Test
  void anEndlessDeviceIsRefusedWithoutReadingIt() {
    assertThatThrownBy(() -> TextFile.read(Path.of("/dev/zero")))
        .isInstanceOf(IOException.class).hasMessageContaining("not a regular file");
  }

  @Test
  @Timeout(value = 10, unit = TimeUnit.SECONDS) // a guard: before the fix, opening a FIFO blocked forever
  void aFifoIsRefusedInsteadOfBlocking(@TempDir Path dir) throws Exception {
    Path fifo = dir.resolve("fifo");
    Process p = new ProcessBuilder("mkfifo", fifo.toString()).start();
    assertThat(p.waitFor()).isZero();
    assertThatThrownBy(() -> TextFile.read(fifo))
        .isInstanceOf(IOException.class).hasMessageContaining("not a regular file");
  }

  @Test
  void aKernelFileIsRefusedWithoutReadingIt() {
    // /proc/kmsg would block and consume the kernel log; /proc/self/status is a harmless stand-in
    assertThatThrownBy(() -> TextFile.read(Path.of("/proc/self/status")))
        .isInstanceOf(IOException.class).hasMessageContaining("kernel file (proc)");
  }

  @Test
  void aDirectoryIsRefused(@TempDir Path dir) {
    assertThatThrownBy(() -> TextFile.read(dir)).isInstanceOf(IOException.class)
        .hasMessageContaining("not a regular file");
  }

  @Test
  void aMissingFileIsNoSuchFile(@TempDir Path dir) {
    assertThatThrownBy(() -> TextFile.read(dir.resolve("nope"))).isInstanceOf(NoSuchFileException.class);
  }

  @Test
  void aFileOverTheLimitIsRefusedAfterReadingOnlyTheLimit(@TempDir Path dir) throws Exception {
    Path big = dir.resolve("big.rules");
    try (RandomAccessFile f = new RandomAccessFile(big.toFile(), "rw")) {
      f.setLength(TextFile.MAX_BYTES + 1L); // sparse: no disk used
    }
    assertThatThrownBy(() -> TextFile.read(big)).isInstanceOf(IOException.class).hasMessageContaining("larger than");
  }

  @Test
  void bytesThatAreNotUtf8AreRefused(@TempDir Path dir) throws Exception {
    Path f = Files.write(dir.resolve("bin"), new byte[] {'*', (byte) 0xC3, '(', '\n'});
    assertThatThrownBy(() -> TextFile.read(f)).isInstanceOf(IOException.class).hasMessageContaining("UTF-8");
  }

  @Test
  void aPolicyNamingADeviceIsAPolicyErrorNamingTheFile() {
    assertThatThrownBy(() -> new PolicyLoader().load(Path.of("/dev/zero")))
        .isInstanceOfSatisfying(PolicyException.class, e -> {
          assertThat(e.file()).isEqualTo("/dev/zero");
          assertThat(e.getMessage()).contains("not a regular file");
        });
  }

  @Test
  void aPolicyWhoseRuleFileIsADeviceIsAPolicyError(@TempDir Path dir) throws Exception {
    Files.writeString(dir.resolve("p.yaml"), "hosts:\n  - address: 10.0.0.1\n    rules: /dev/zero\n");
    assertThatThrownBy(() -> new PolicyLoader().load(dir.resolve("p.yaml")))
        .isInstanceOf(PolicyException.class);
  }
}
