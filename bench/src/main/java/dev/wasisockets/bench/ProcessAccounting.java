package dev.wasisockets.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * What the OS has accounted to a process so far, read from {@code /proc}: CPU seconds and peak
 * resident set. The CPU is the whole process's, every thread's (a JVM's JIT and collector threads
 * too, and threads that have ended), user and system, so a spin or an extra thread shows in it.
 * Linux counts it in clock ticks (10 ms at the usual 100 Hz): a window of a second or more keeps
 * that within 1%.
 */
final class ProcessAccounting {
  static final double TICKS_PER_SECOND = ticksPerSecond();

  private ProcessAccounting() {}

  /** User plus system CPU seconds of process {@code pid} so far. */
  static double cpuSeconds(long pid) {
    String[] fields = statFields(read(Path.of("/proc", Long.toString(pid), "stat")));
    return (Long.parseLong(fields[14 - 3]) + Long.parseLong(fields[15 - 3])) / TICKS_PER_SECOND;
  }

  /**
   * User plus system CPU seconds of the children a process has waited for, from its {@code
   * /proc/PID/stat} line {@code stat} (cutime and cstime).
   */
  static double childrenCpuSeconds(String stat) {
    String[] fields = statFields(stat);
    return (Long.parseLong(fields[16 - 3]) + Long.parseLong(fields[17 - 3])) / TICKS_PER_SECOND;
  }

  /**
   * The fields of a {@code /proc/PID/stat} line from field 3 on (proc(5) numbers them from 1): the
   * command name, field 2, is in parentheses and may hold spaces.
   */
  private static String[] statFields(String stat) {
    return stat.substring(stat.lastIndexOf(')') + 2).trim().split(" ");
  }

  /** The peak resident set (VmHWM) of process {@code pid}, in KiB. */
  static long peakRssKib(long pid) {
    for (String line : read(Path.of("/proc", Long.toString(pid), "status")).split("\n")) {
      if (line.startsWith("VmHWM:")) {
        return Long.parseLong(line.replaceAll("[^0-9]", ""));
      }
    }
    throw new IllegalStateException("no VmHWM in /proc/" + pid + "/status");
  }

  private static String read(Path file) {
    try {
      return Files.readString(file, StandardCharsets.US_ASCII);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the OS's accounting: " + file, e);
    }
  }

  /** The kernel's USER_HZ ({@code getconf CLK_TCK}); 100, its value on every common Linux. */
  private static double ticksPerSecond() {
    try {
      Process getconf = new ProcessBuilder("getconf", "CLK_TCK").redirectErrorStream(true).start();
      String out = new String(getconf.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
      if (getconf.waitFor() == 0) {
        return Double.parseDouble(out.trim());
      }
    } catch (IOException | NumberFormatException e) {
      // no getconf: the usual value below
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return 100;
  }
}
