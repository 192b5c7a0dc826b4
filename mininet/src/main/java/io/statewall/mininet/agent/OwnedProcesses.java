package io.statewall.mininet.agent;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/** Reads /proc to tell whether a pid is still the very process that was recorded (pid + start time). */
final class OwnedProcesses {

  private OwnedProcesses() {
  }

  /** The start time (clock ticks since boot) of a live, non-zombie process. */
  static Optional<String> startTime(long pid) {
    try {
      String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
      String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
      return fields[0].equals("Z") ? Optional.empty() : Optional.of(fields[19]);
    } catch (IOException | RuntimeException e) {
      return Optional.empty();
    }
  }

  static boolean isSame(long pid, String startTime) {
    return startTime(pid).filter(startTime::equals).isPresent();
  }

  /** Kills a recorded process if, and only if, it is still that process. */
  static void killIfSame(long pid, String startTime) {
    if (isSame(pid, startTime)) {
      ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
    }
  }

  /** This JVM as "pid:starttime", the owner mark put on containers and state directories. */
  static String selfMark() {
    long pid = ProcessHandle.current().pid();
    return pid + ":" + startTime(pid).orElse("0");
  }

  /** True when the process a mark names is gone (or is now some other process). */
  static boolean markIsDead(String mark) {
    int colon = mark.indexOf(':');
    if (colon < 0) {
      return false; // not our format: never touch it
    }
    try {
      return !isSame(Long.parseLong(mark.substring(0, colon)), mark.substring(colon + 1));
    } catch (NumberFormatException e) {
      return false;
    }
  }
}
