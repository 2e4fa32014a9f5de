package dev.wasisockets.bench;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * What the OS has counted for a process (Linux {@code /proc}): CPU seconds (user and system, all
 * its threads) and peak resident set. Read from outside, so a relay's figures are its own whatever
 * runs in it.
 */
final class ProcessAccounting {
  /** Linux reports CPU times in clock ticks of 1/USER_HZ s, which is 100 on every Linux ABI. */
  private static final double TICKS_PER_SECOND = 100;

  private ProcessAccounting() {}

  /** User plus system CPU seconds of process {@code pid} so far (utime + stime). */
  static double cpuSeconds(long pid) throws IOException {
    return cpuSecondsOf(Path.of("/proc", Long.toString(pid), "stat"));
  }

  /**
   * The part of {@link #cpuSeconds} that HotSpot's JIT compiler threads ("C1 CompilerThread0", "C2
   * CompilerThread1", ...) spent: compiling, not serving. Threads that ended are not counted, and
   * HotSpot ends idle compiler threads, so read it before and after a window, as CPU.
   */
  static double jitSeconds(long pid) throws IOException {
    double total = 0;
    try (DirectoryStream<Path> tasks =
        Files.newDirectoryStream(Path.of("/proc", "" + pid, "task"))) {
      for (Path task : tasks) {
        try {
          String name = Files.readString(task.resolve("comm")).trim();
          if (name.startsWith("C1 Compiler") || name.startsWith("C2 Compiler")) {
            total += cpuSecondsOf(task.resolve("stat"));
          }
        } catch (NoSuchFileException e) {
          // the thread ended meanwhile
        }
      }
    }
    return total;
  }

  private static double cpuSecondsOf(Path stat) throws IOException {
    String text = Files.readString(stat);
    // The command name, in parentheses, may hold spaces: count the fields after its end.
    String[] fields = text.substring(text.lastIndexOf(')') + 2).split(" ");
    // After the name: state is field 3 of proc(5), so utime (14) and stime (15) are at 11 and 12.
    return (Long.parseLong(fields[11]) + Long.parseLong(fields[12])) / TICKS_PER_SECOND;
  }

  /** The peak resident set (VmHWM) of process {@code pid}, in KiB. */
  static long peakRssKib(long pid) throws IOException {
    for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
      if (line.startsWith("VmHWM:")) {
        return Long.parseLong(line.replaceAll("[^0-9]", ""));
      }
    }
    return 0;
  }
}
