package dev.wasisockets.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Runs {@code wrk} (one thread, keep-alive connections) against {@code GET /} and reads its report
 * and its CPU seconds: a shell runs it and then prints its own {@code /proc} line, whose children's
 * times are wrk's once the shell has waited for it.
 */
final class Wrk {
  private static final Pattern REQUESTS = Pattern.compile("(\\d+) requests in ([0-9.]+)(m?s|m)");
  private static final Pattern SOCKET_ERRORS =
      Pattern.compile("Socket errors: connect (\\d+), read (\\d+), write (\\d+), timeout (\\d+)");
  private static final Pattern NOT_OK = Pattern.compile("Non-2xx or 3xx responses: (\\d+)");
  private static final String SHELL_STAT = "shell stat: ";
  private static final String SHELL =
      "wrk \"$@\"; status=$?; echo \"" + SHELL_STAT + "$(cat /proc/$$/stat)\"; exit $status";

  /**
   * What one wrk run saw.
   *
   * @param requests requests answered
   * @param seconds wrk's own duration
   * @param errors wrk's socket errors and non-2xx answers, or "" if none
   * @param cpuSeconds wrk's CPU
   */
  record Result(long requests, double seconds, String errors, double cpuSeconds) {
    double requestsPerSecond() {
      return requests / seconds;
    }
  }

  private Wrk() {}

  /** {@code connections} connections for {@code seconds} on {@code port}, pinned as the load. */
  static Result run(CorePinning pinning, int port, int connections, int seconds)
      throws IOException, InterruptedException {
    List<String> command =
        pinning.load(
            List.of(
                "sh",
                "-c",
                SHELL,
                "sh",
                "-t1",
                "-c" + connections,
                "-d" + seconds + "s",
                "--timeout",
                "10s",
                "http://127.0.0.1:" + port + "/"));
    Process wrk = new ProcessBuilder(command).redirectErrorStream(true).start();
    wrk.getOutputStream().close();
    String report = new String(wrk.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (wrk.waitFor() != 0) {
      throw new IllegalStateException("wrk failed:\n" + report);
    }
    return parse(report);
  }

  /** What {@code report} says: wrk's report, then the line the shell around it printed. */
  static Result parse(String report) {
    Matcher requests = REQUESTS.matcher(report);
    if (!requests.find()) {
      throw new IllegalStateException("no request count in wrk's report:\n" + report);
    }
    double duration = Double.parseDouble(requests.group(2));
    duration *=
        switch (requests.group(3)) {
          case "ms" -> 1e-3;
          case "m" -> 60;
          default -> 1;
        };
    List<String> errors = new ArrayList<>();
    Matcher socketErrors = SOCKET_ERRORS.matcher(report);
    if (socketErrors.find()) {
      errors.add(
          String.format(
              Locale.ROOT,
              "socket errors: connect %s, read %s, write %s, timeout %s",
              socketErrors.group(1),
              socketErrors.group(2),
              socketErrors.group(3),
              socketErrors.group(4)));
    }
    Matcher notOk = NOT_OK.matcher(report);
    if (notOk.find()) {
      errors.add(notOk.group(1) + " answers not 2xx");
    }
    int shell = report.lastIndexOf(SHELL_STAT);
    if (shell < 0) {
      throw new IllegalStateException("no CPU line after wrk's report:\n" + report);
    }
    String stat = report.substring(shell + SHELL_STAT.length()).trim();
    return new Result(
        Long.parseLong(requests.group(1)),
        duration,
        String.join("; ", errors),
        ProcessAccounting.childrenCpuSeconds(stat));
  }
}
