package dev.wasisockets.host;

import com.dylibso.chicory.wasi.WasiOptions;
import dev.wasisockets.Dialect;
import dev.wasisockets.UnsupportedImportException;
import dev.wasisockets.WasiSockets;
import dev.wasisockets.compile.CompiledGuest;
import dev.wasisockets.compile.GuestCompiler;
import dev.wasisockets.policy.IpLiteral;
import dev.wasisockets.policy.NetworkPolicy;
import dev.wasisockets.policy.PolicyFile;
import dev.wasisockets.transport.wasmnet.WasmnetOptions;
import dev.wasisockets.transport.wasmnet.WasmnetTransport;
import dev.wasisockets.wasmnet.Framing;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.TypeConversionException;

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

  @Option(
      names = "--tcplisten",
      paramLabel = "ADDR:PORT",
      converter = SocketAddressConverter.class,
      description = {
        "Preopen a TCP listener for the guest on ADDR:PORT (port 0: a free one), numbered after",
        "stdio and every --dir, as wasmtime's -S tcplisten. Repeatable. Each listener's fd and",
        "port are printed on stderr."
      })
  private List<InetSocketAddress> tcpListeners = new ArrayList<>();

  @Option(
      names = "--wasmnet",
      paramLabel = "URL",
      description = {
        "Send every guest socket through the wasmnet server at URL (ws://HOST:PORT[/PATH] or",
        "wss://...) instead of this host's network. The grants above still apply first; the",
        "server's own policy after them. See docs/wasmnet-protocol.md."
      })
  private URI wasmnet;

  @Option(
      names = "--wasmnet-json",
      description = "Speak wasmnet's JSON framing instead of the binary one (with --wasmnet).")
  private boolean wasmnetJson;

  @Option(
      names = "--wasmnet-token",
      paramLabel = "TOKEN",
      description = "Send TOKEN as 'Authorization: Bearer TOKEN' to the wasmnet server.")
  private String wasmnetToken;

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
      names = "--abi",
      paramLabel = "DIALECT",
      converter = DialectConverter.class,
      description = {
        "The socket ABI the guest speaks: auto (default: decided from its imports), preview1,",
        "wasmedge or legacy2020. See docs/architecture.md for how auto decides."
      })
  private Dialect dialect = Dialect.AUTO;

  @Option(
      names = "--spin-micros",
      paramLabel = "N",
      description = {
        "A wait for one socket's bytes spins up to N microseconds before it parks the guest's",
        "thread, while most recent waits ended that soon. Default: 0 (never)."
      })
  private Long spinMicros;

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
    GuestRunner runner;
    try {
      runner = GuestRunner.forCommand(guest, compile(), stderr);
    } catch (IllegalArgumentException e) {
      throw usageError(e.getMessage());
    }
    try (WasiSockets sockets = sockets(policy)) {
      return runner.run(sockets);
    } catch (UnsupportedImportException e) {
      throw usageError(e.getMessage());
    } finally {
      stdout.flush();
    }
  }

  private WasiSockets sockets(NetworkPolicy policy) {
    WasiSockets.Builder builder =
        WasiSockets.builder()
            .withWasiOptions(wasiOptions())
            .withPolicy(policy)
            .withDialect(dialect);
    if (spinMicros != null) {
      if (spinMicros < 0 || spinMicros > 1_000_000) {
        throw usageError("--spin-micros must be from 0 to 1000000 (a second), got " + spinMicros);
      }
      builder.withSpin(Duration.ofNanos(1_000 * spinMicros));
    }
    tcpListeners.forEach(builder::withTcpListener);
    if (wasmnet == null && (wasmnetJson || wasmnetToken != null)) {
      throw usageError("--wasmnet-json and --wasmnet-token need --wasmnet URL");
    }
    // The link to a wasmnet server is opened last, and closed if the build fails after it.
    WasmnetTransport transport = wasmnet == null ? null : wasmnetTransport();
    try {
      if (transport != null) {
        builder.withTransport(transport);
      }
      return builder.build();
    } catch (RuntimeException e) {
      if (transport != null) {
        transport.close();
      }
      if (e instanceof IllegalStateException) {
        throw usageError("--tcplisten: " + e.getMessage());
      }
      throw e;
    }
  }

  private WasmnetTransport wasmnetTransport() {
    WasmnetOptions options =
        WasmnetOptions.DEFAULT
            .withFraming(wasmnetJson ? Framing.JSON : Framing.BINARY)
            .withToken(wasmnetToken);
    try {
      return WasmnetTransport.connect(wasmnet, options);
    } catch (IllegalArgumentException | IOException e) {
      // A server that cannot be reached is a setting to fix, like a bad URL.
      throw usageError("--wasmnet: " + e.getMessage());
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
      int separator = directory.indexOf("::");
      String host = separator < 0 ? directory : directory.substring(0, separator);
      String guestName = separator < 0 ? directory : directory.substring(separator + 2);
      Path hostPath = Path.of(host);
      if (!Files.isDirectory(hostPath)) {
        throw usageError("--dir " + directory + ": " + host + " is not a directory");
      }
      options.withDirectory(guestName, hostPath);
    }
    return options.build();
  }

  private ParameterException usageError(String message) {
    return new ParameterException(spec.commandLine(), message);
  }

  /** Reads {@code --abi} values by their {@link Dialect#flagName()}. */
  static final class DialectConverter implements ITypeConverter<Dialect> {
    @Override
    public Dialect convert(String value) {
      for (Dialect dialect : Dialect.values()) {
        if (dialect.flagName().equals(value)) {
          return dialect;
        }
      }
      throw new TypeConversionException(
          "'" + value + "' is not one of auto, preview1, wasmedge, legacy2020");
    }
  }

  /** Reads {@code --tcplisten} values; a bad one is a usage error naming it. */
  static final class SocketAddressConverter implements ITypeConverter<InetSocketAddress> {
    @Override
    public InetSocketAddress convert(String value) {
      try {
        return IpLiteral.parseSocketAddress(value);
      } catch (IllegalArgumentException e) {
        throw new TypeConversionException(e.getMessage());
      }
    }
  }
}
