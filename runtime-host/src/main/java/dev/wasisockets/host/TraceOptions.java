package dev.wasisockets.host;

import dev.wasisockets.abi.CallTrace;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Stack;
import picocli.CommandLine.IParameterPreprocessor;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code run}'s trace of the guest's socket calls: {@code --trace[=FILE]} and its two filters. */
final class TraceOptions {
  /** What {@code --trace} without a file means: the lines go to stderr, as strace's do. */
  private static final String STDERR = "-";

  @Spec(Spec.Target.MIXEE)
  private CommandSpec command;

  @Option(
      names = "--trace",
      arity = "0..1",
      paramLabel = "FILE",
      preprocessor = AttachedFileOnly.class,
      description = {
        "Print one line per socket call the guest makes (every socket import, poll_oneoff and",
        "epoll_oneoff, fd_read/fd_write/fd_close on sockets), its arguments decoded and its",
        "result, to stderr, or to FILE with --trace=FILE. Guest bytes are not shown unless",
        "--trace-data asks."
      })
  private String trace;

  @Option(
      names = "--trace-filter",
      paramLabel = "CALL",
      split = ",",
      description = "Trace only these calls (e.g. sock_connect,sock_accept). Needs --trace.")
  private List<String> calls = new ArrayList<>();

  @Option(
      names = "--trace-data",
      paramLabel = "N",
      description =
          "Also show the first N bytes each send and receive moved (they may be secrets)."
              + " Needs --trace.")
  private Integer dataBytes;

  private PrintStream out; // where the lines go, once open() has opened it

  /** The trace these flags ask for, or null without {@code --trace}. */
  Trace open(PrintStream stderr) {
    if (trace == null) {
      if (!calls.isEmpty() || dataBytes != null) {
        throw usageError("--trace-filter and --trace-data need --trace");
      }
      return null;
    }
    if (dataBytes != null && dataBytes < 0) {
      throw usageError("--trace-data must be 0 or more, got " + dataBytes);
    }
    // The trace first, so a bad name is refused before a file is made; it writes to `out`.
    CallTrace lines = CallTrace.to(line -> out.println(line));
    try {
      lines = calls.isEmpty() ? lines : lines.only(calls);
    } catch (IllegalArgumentException e) {
      throw usageError("--trace-filter: " + e.getMessage());
    }
    if (dataBytes != null) {
      lines = lines.showingData(dataBytes);
    }
    if (trace.equals(STDERR)) {
      out = stderr;
      return new Trace(lines, null);
    }
    try {
      out = new PrintStream(new FileOutputStream(trace), true, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw usageError("--trace=" + trace + ": cannot write it: " + e.getMessage());
    }
    return new Trace(lines, out);
  }

  private ParameterException usageError(String message) {
    return new ParameterException(command.commandLine(), message);
  }

  /** The trace and the file it writes, which closing it closes (stderr stays open). */
  record Trace(CallTrace calls, PrintStream file) implements AutoCloseable {
    @Override
    public void close() {
      if (file != null) {
        file.close();
      }
    }
  }

  /**
   * {@code --trace} takes a file only attached ({@code --trace=FILE}): {@code --trace guest.wasm}
   * traces to stderr and runs {@code guest.wasm}, as with strace and its command.
   */
  static final class AttachedFileOnly implements IParameterPreprocessor {
    @Override
    public boolean preprocess(
        Stack<String> args, CommandSpec command, ArgSpec option, Map<String, Object> info) {
      if (" ".equals(info.get("separator"))) {
        args.push(STDERR);
      }
      return false;
    }
  }
}
