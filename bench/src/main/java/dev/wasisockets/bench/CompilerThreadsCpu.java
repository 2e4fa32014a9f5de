package dev.wasisockets.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * The part of a JVM's CPU ({@link ProcessAccounting#cpuSeconds}) that HotSpot's JIT compiler
 * threads ("C1 CompilerThread0", "C2 CompilerThread1", ...) spent: compiling, not serving. Read
 * from each thread's {@code /proc/PID/task/TID/stat}, so a thread that ended is no longer counted:
 * read it before and after a window, in a JVM that keeps its compiler threads ({@code
 * -XX:-UseDynamicNumberOfCompilerThreads}) for an exact count.
 */
final class CompilerThreadsCpu {
  private CompilerThreadsCpu() {}

  static double seconds(long pid) {
    double total = 0;
    Path tasks = Path.of("/proc", Long.toString(pid), "task");
    try (DirectoryStream<Path> threads = Files.newDirectoryStream(tasks)) {
      for (Path thread : threads) {
        try {
          String name = Files.readString(thread.resolve("comm"), StandardCharsets.US_ASCII);
          if (name.startsWith("C1 Compiler") || name.startsWith("C2 Compiler")) {
            String[] fields = fieldsAfterName(Files.readString(thread.resolve("stat")));
            // utime and stime, fields 14 and 15 of proc(5), counted from field 3 here
            total += Long.parseLong(fields[14 - 3]) + Long.parseLong(fields[15 - 3]);
          }
        } catch (NoSuchFileException e) {
          // the thread ended meanwhile
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the OS's accounting: " + tasks, e);
    }
    return total / ProcessAccounting.TICKS_PER_SECOND;
  }

  /** The command name, field 2, is in parentheses and may hold spaces. */
  private static String[] fieldsAfterName(String stat) {
    return stat.substring(stat.lastIndexOf(')') + 2).trim().split(" ");
  }
}
