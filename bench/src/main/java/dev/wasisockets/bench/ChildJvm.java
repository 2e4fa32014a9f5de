package dev.wasisockets.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs a benchmark main in a JVM of its own, with this one's class path. */
final class ChildJvm {
  private ChildJvm() {}

  /** A process builder for {@code main} with {@code args}. */
  static ProcessBuilder of(Class<?> main, String... args) {
    return new ProcessBuilder(command(List.of(), main, args));
  }

  /** The command line of a JVM with {@code jvmOptions} running {@code main} with {@code args}. */
  static List<String> command(List<String> jvmOptions, Class<?> main, String... args) {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(jvmOptions);
    command.add("-cp");
    command.add(System.getProperty("java.class.path"));
    command.add(main.getName());
    command.addAll(List.of(args));
    return command;
  }

  /**
   * Runs {@code main} to its end and returns the fields after {@code RESULT} on the line it
   * printed; fails with everything it printed if it did not.
   */
  static String[] result(Class<?> main, String... args) throws IOException, InterruptedException {
    return result(command(List.of(), main, args));
  }

  /**
   * Runs {@code command} (a JVM from {@link #command}, maybe behind taskset) as {@link
   * #result(Class, String...)} does.
   */
  static String[] result(List<String> command) throws IOException, InterruptedException {
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    process.getOutputStream().close();
    String result = null;
    StringBuilder output = new StringBuilder();
    try (BufferedReader out =
        new BufferedReader(
            new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
      for (String line; (line = out.readLine()) != null; ) {
        output.append(line).append('\n');
        if (line.startsWith("RESULT ")) {
          result = line;
        }
      }
    }
    if (!process.waitFor(10, TimeUnit.MINUTES) || process.exitValue() != 0 || result == null) {
      throw new IllegalStateException(
          String.join(" ", command.subList(command.indexOf("-cp") + 2, command.size()))
              + " failed:\n"
              + output);
    }
    return result.substring("RESULT ".length()).split(" ");
  }
}
