package dev.wasisockets.host;

import java.io.FileDescriptor;
import java.io.FileInputStream;
import java.io.InputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code java -jar wasi-sockets.jar}: runs WASI guests with real sockets under a policy.
 *
 * <p>Exit codes: the guest's own ({@code proc_exit(n)} gives n); 1 when the guest traps; 2 for bad
 * input (an unknown flag, a missing or non-Wasm file, an import this host lacks), after one line on
 * stderr that says what is wrong.
 */
@Command(
    name = "wasi-sockets",
    mixinStandardHelpOptions = true,
    versionProvider = VersionProvider.class,
    description = "Runs WebAssembly guests on the JVM (Chicory) with WASI sockets.",
    subcommands = {RunCommand.class, CompileCommand.class, ServeCommand.class, UpCommand.class})
public final class Launcher implements Runnable {
  static final int EXIT_TRAP = 1;
  static final int EXIT_USAGE = 2;

  public static void main(String[] args) {
    // One line per log record, e.g. "wasi-sockets: denied tcp connect to ... (rule: ...)", unless
    // the user chose a format, on the command line or in a logging.properties file.
    String format = "java.util.logging.SimpleFormatter.format";
    if (System.getProperty(format) == null
        && java.util.logging.LogManager.getLogManager().getProperty(format) == null) {
      System.setProperty(format, "wasi-sockets: %5$s%6$s%n");
    }
    // The process's fd 0 itself rather than System.in's buffer over it: poll_oneoff can then
    // tell a regular file (`run ... < file`, always readable) from a pipe or a terminal.
    int exitCode = execute(args, new FileInputStream(FileDescriptor.in), System.out, System.err);
    System.out.flush();
    System.exit(exitCode);
  }

  /** Runs the command line with the given streams and returns the exit code. */
  static int execute(String[] args, InputStream in, PrintStream out, PrintStream err) {
    CommandLine commandLine = new CommandLine(new Launcher());
    commandLine.setOut(new PrintWriter(out, true));
    commandLine.setErr(new PrintWriter(err, true));
    commandLine.setParameterExceptionHandler(
        (e, ignored) -> {
          err.println("wasi-sockets: " + e.getMessage() + " (see --help)");
          return EXIT_USAGE;
        });
    commandLine.setExecutionExceptionHandler(
        (e, cmd, parseResult) -> {
          // Not the guest's doing and not bad input: a host bug, reported whole.
          err.println("wasi-sockets: internal error: " + e);
          e.printStackTrace(err);
          return EXIT_TRAP;
        });
    // Everything after GUEST.wasm belongs to the guest, options included.
    commandLine.setStopAtPositional(true);
    RunCommand run = commandLine.getSubcommands().get("run").getCommand();
    run.setStreams(in, out, err);
    CompileCommand compile = commandLine.getSubcommands().get("compile").getCommand();
    compile.setStderr(err);
    UpCommand up = commandLine.getSubcommands().get("up").getCommand();
    up.setStreams(out, err);
    return commandLine.execute(args);
  }

  @Spec private CommandSpec spec;

  /** Without a subcommand: a usage error. */
  @Override
  public void run() {
    throw new ParameterException(
        spec.commandLine(),
        "missing a command, e.g. wasi-sockets run GUEST.wasm [ARGS...] or wasi-sockets serve");
  }
}
