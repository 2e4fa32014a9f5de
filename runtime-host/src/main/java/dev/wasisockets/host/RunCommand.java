package dev.wasisockets.host;

import com.dylibso.chicory.wasi.WasiOptions;
import dev.wasisockets.WasiSockets;
import dev.wasisockets.abi.UnsupportedImportException;
import dev.wasisockets.compile.CompiledGuest;
import dev.wasisockets.compile.GuestCompiler;
import dev.wasisockets.policy.NetworkPolicy;
import dev.wasisockets.policy.file.PolicyFile;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code run [OPTIONS] GUEST.wasm [ARGS...]}: runs a WASI command guest to its end. */
@Command(
    name = "run",
    mixinStandardHelpOptions = true,
    versionProvider = VersionProvider.class,
    description = {
      "Runs a WASI command guest. The guest reaches no network address unless a grant allows it.",
      "Exit code: the guest's own; 1 if it traps; 2 for bad input."
    })
final class RunCommand implements Callable<Integer> {
  @Spec private CommandSpec spec;

  @Mixin private CacheOptions cacheOptions;

  @Mixin private PolicyOptions policyOptions;

  @Mixin private RunPolicyOptions runPolicyOptions;

  @Mixin private WasiSocketsOptions socketsOptions;

  @Mixin private WasmnetClientOptions wasmnetOptions;

  @Mixin private TraceOptions traceOptions;

  @Option(
      names = "--env",
      paramLabel = "KEY=VALUE",
      description = "Set an environment variable for the guest. Repeatable.")
  private Map<String, String> environment = new LinkedHashMap<>();

  @Option(
      names = "--dir",
      paramLabel = "HOST_DIR[::GUEST_DIR]",
      description = {
        "Preopen HOST_DIR for the guest, under the name GUEST_DIR (default: HOST_DIR).",
        "Repeatable."
      })
  private List<String> directories = new ArrayList<>();

  @Option(
      names = "--interpreter",
      description = "Run the guest in Chicory's interpreter instead of compiling it to bytecode.")
  private boolean interpreter;

  @Parameters(index = "0", paramLabel = "GUEST.wasm", description = "The guest module.")
  private Path guest;

  @Parameters(
      index = "1..*",
      paramLabel = "ARGS",
      description = "Arguments for the guest; everything after GUEST.wasm is the guest's.")
  private List<String> guestArguments = new ArrayList<>();

  private InputStream stdin = System.in;
  private PrintStream stdout = System.out;
  private PrintStream stderr = System.err;

  void setStreams(InputStream stdin, PrintStream stdout, PrintStream stderr) {
    this.stdin = stdin;
    this.stdout = stdout;
    this.stderr = stderr;
  }

  @Override
  public Integer call() {
    // The host's own configuration first, then the guest.
    NetworkPolicy policy =
        runPolicyOptions.policy(policyOptions.builder(PolicyFile.Defaults.NOTHING_GRANTED));
    try (TraceOptions.Trace trace = traceOptions.open(stderr)) {
      GuestRunner runner;
      try {
        runner = GuestRunner.forCommand(guest, compile(), stderr);
      } catch (IllegalArgumentException e) {
        throw usageError(e.getMessage());
      }
      try (WasiSockets sockets =
          socketsOptions.build(
              wasiOptions(), policy, wasmnetOptions, trace == null ? null : trace.calls())) {
        return runner.run(sockets);
      } catch (UnsupportedImportException e) {
        throw usageError(e.getMessage());
      }
    } finally {
      stdout.flush();
    }
  }

  /** The guest, compiled or loaded from the cache (or, with --interpreter, only parsed). */
  private CompiledGuest compile() {
    GuestCompiler.Mode mode =
        interpreter ? GuestCompiler.Mode.INTERPRETER : GuestCompiler.Mode.COMPILER;
    return GuestFile.compile(guest, cacheOptions.compiler(mode));
  }

  private WasiOptions wasiOptions() {
    List<String> argv = new ArrayList<>();
    argv.add(guest.getFileName().toString());
    argv.addAll(guestArguments);
    WasiOptions.Builder options =
        WasiOptions.builder()
            .withArguments(argv)
            .withStdin(stdin)
            .withStdout(stdout)
            .withStderr(stderr);
    environment.forEach(options::withEnvironment);
    for (String directory : directories) {
      DirectoryPreopen preopen = DirectoryPreopen.parse(directory);
      if (!Files.isDirectory(preopen.hostDir())) {
        throw usageError("--dir " + directory + ": " + preopen.hostDir() + " is not a directory");
      }
      options.withDirectory(preopen.guestDir(), preopen.hostDir());
    }
    return options.build();
  }

  private ParameterException usageError(String message) {
    return new ParameterException(spec.commandLine(), message);
  }
}
