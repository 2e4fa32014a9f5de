package dev.wasisockets.host;

import com.dylibso.chicory.wasi.WasiOptions;
import dev.wasisockets.Dialect;
import dev.wasisockets.UnsupportedImportException;
import dev.wasisockets.WasiSockets;
import dev.wasisockets.compile.CompiledGuest;
import dev.wasisockets.compile.GuestCompiler;
import dev.wasisockets.policy.IpLiteral;
import dev.wasisockets.policy.Limits;
import dev.wasisockets.policy.NetworkPolicy;
import dev.wasisockets.policy.NetworkUse;
import dev.wasisockets.policy.PolicyFile;
import dev.wasisockets.policy.PolicyFileException;
import dev.wasisockets.policy.Rule;
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

  @Option(
      names = "--allow-connect",
      paramLabel = "RULE",
      converter = RuleConverter.class,
      description = {
        "Allow TCP connections to what RULE covers: an IP address or CIDR block (IPv6 in",
        "brackets when a port follows), an address class (private, loopback, link-local, ...),",
        "a domain (*.example.com: the addresses the guest looked it up to), or *; then",
        "optionally :PORT or :PORT-PORT. Repeatable. E.g. 127.0.0.1:8080, 10.0.0.0/8:8000-8999"
      })
  private List<Rule> allowConnect = new ArrayList<>();

  @Option(
      names = "--allow-bind",
      paramLabel = "RULE",
      converter = RuleConverter.class,
      description = {
        "Allow binding local addresses (to listen, or to receive UDP) that RULE covers.",
        "Repeatable. E.g. 127.0.0.1:8000-8999"
      })
  private List<Rule> allowBind = new ArrayList<>();

  @Option(
      names = "--allow-udp",
      paramLabel = "RULE",
      converter = RuleConverter.class,
      description = "Allow sending UDP datagrams to what RULE covers. Repeatable.")
  private List<Rule> allowUdp = new ArrayList<>();

  @Option(
      names = "--allow-lookup",
      description = {
        "Allow the guest to look names up (sock_getaddrinfo). Each address it gets is still",
        "checked against the grants when it is used."
      })
  private boolean allowLookup;

  @Option(
      names = "--inherit-network",
      description = {
        "Grant everything: every connect, bind, UDP send and lookup, as if the guest ran",
        "natively. --deny rules still apply."
      })
  private boolean inheritNetwork;

  @Option(
      names = "--deny",
      paramLabel = "RULE",
      converter = RuleConverter.class,
      description = {
        "Deny what RULE covers for every use, whatever a grant allows. Repeatable.",
        "E.g. --allow-connect '*' --deny private --deny loopback --deny link-local"
      })
  private List<Rule> deny = new ArrayList<>();

  @Option(
      names = "--policy",
      paramLabel = "FILE",
      description = {
        "Read grants, denials and limits from a TOML policy file (wasmnet's [network] keys and",
        "ours: docs/policy.md). Keys it leaves out grant nothing. Flags add grants to it and",
        "override its limits."
      })
  private Path policyFile;

  @Option(
      names = "--max-connections",
      paramLabel = "N",
      description = "At most N sockets open at once; one more is ENFILE. 0: no limit.")
  private Integer maxConnections;

  @Option(
      names = "--max-bandwidth-mbps",
      paramLabel = "N",
      description = "At most N megabits per second per direction, all sockets together. 0: none.")
  private Long maxBandwidthMbps;

  @Option(
      names = "--connect-timeout-secs",
      paramLabel = "N",
      description = "A blocking connect gives up with ETIMEDOUT after N seconds. 0: no limit.")
  private Long connectTimeoutSecs;

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
    NetworkPolicy.Builder policy = policyBuilder();
    allowConnect.forEach(rule -> policy.allow(NetworkUse.TCP_CONNECT, rule));
    allowBind.forEach(rule -> policy.allow(NetworkUse.BIND, rule));
    allowUdp.forEach(rule -> policy.allow(NetworkUse.UDP_SEND, rule));
    if (allowLookup) {
      policy.allowLookup();
    }
    if (inheritNetwork) {
      policy.allowAll();
    }
    for (Rule rule : deny) {
      for (NetworkUse use : NetworkUse.values()) {
        policy.deny(use, rule);
      }
    }
    GuestRunner runner;
    try {
      runner = GuestRunner.forCommand(guest, compile(), stderr);
    } catch (IllegalArgumentException e) {
      throw usageError(e.getMessage());
    }
    try (WasiSockets sockets = sockets(policy.build())) {
      return runner.run(sockets);
    } catch (UnsupportedImportException e) {
      throw usageError(e.getMessage());
    } finally {
      stdout.flush();
    }
  }

  /** The policy file's rules and limits, or nothing granted; then the flags' limits. */
  private NetworkPolicy.Builder policyBuilder() {
    NetworkPolicy.Builder builder = NetworkPolicy.builder();
    Limits limits = Limits.NONE;
    if (policyFile != null) {
      try {
        builder = PolicyFile.load(policyFile, PolicyFile.Defaults.NOTHING_GRANTED);
        limits = builder.build().limits();
      } catch (PolicyFileException e) {
        throw usageError("--policy " + e.getMessage());
      }
    }
    if (maxConnections != null) {
      limits = limits.withMaxConnections(nonNegative("--max-connections", maxConnections));
    }
    if (maxBandwidthMbps != null) {
      limits =
          limits.withBytesPerSecond(
              Limits.megabitsToBytes(nonNegative("--max-bandwidth-mbps", maxBandwidthMbps)));
    }
    if (connectTimeoutSecs != null) {
      limits =
          limits.withConnectTimeout(
              Duration.ofSeconds(nonNegative("--connect-timeout-secs", connectTimeoutSecs)));
    }
    return builder.limits(limits);
  }

  private <N extends Number> N nonNegative(String flag, N value) {
    if (value.longValue() < 0) {
      throw usageError(flag + " must be 0 or more, got " + value);
    }
    return value;
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

  /** Reads grant values ({@link Rule#parse}); a bad one is a usage error naming it. */
  static final class RuleConverter implements ITypeConverter<Rule> {
    @Override
    public Rule convert(String value) {
      try {
        return Rule.parse(value);
      } catch (IllegalArgumentException e) {
        throw new TypeConversionException(e.getMessage());
      }
    }
  }
}
