package io.statewall.netfilter;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.util.concurrent.TimeUnit;

/** What the kernel-differential tests share: whether they can run here, and running a command. */
public final class Namespaces {
  private Namespaces() {}

  /** Root, with Debian's python3 and each of {@code tools} (absolute paths) installed. */
  public static boolean canRun(String... tools) {
    try {
      Process p = new ProcessBuilder("id", "-u").start();
      String uid = new String(p.getInputStream().readAllBytes(), StandardCharsets.US_ASCII).trim();
      boolean ok = uid.equals("0") && Files.isExecutable(Paths.get("/usr/bin/python3"));
      for (String t : tools) {
        ok &= Files.isExecutable(Paths.get(t));
      }
      return ok;
    } catch (IOException e) {
      return false;
    }
  }

  /** Runs {@code cmd} (30 s at most); with {@code check}, a non-zero exit is an IOException. */
  public static void run(boolean check, String... cmd) throws IOException {
    try {
      Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!p.waitFor(30, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new IOException("timed out: " + String.join(" ", cmd));
      }
      if (check && p.exitValue() != 0) {
        throw new IOException(String.join(" ", cmd) + " failed: " + out);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException(e);
    }
  }
}
