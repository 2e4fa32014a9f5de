package dev.wasisockets.host;

import dev.wasisockets.address.IpLiteral;
import dev.wasisockets.gateway.WasmnetGateway;
import dev.wasisockets.policy.NetworkPolicy;
import dev.wasisockets.policy.file.PolicyFile;
import java.io.IOException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code serve [OPTIONS]}: a wasmnet-compatible gateway; browser and remote Wasm clients open
 * sockets over a WebSocket, under a policy. Runs until SIGTERM or Ctrl-C.
 */
@Command(
    name = "serve",
    mixinStandardHelpOptions = true,
    versionProvider = VersionProvider.class,
    description = {
      "Serves the wasmnet protocol: clients open sockets over a WebSocket, the gateway does the",
      "I/O under a policy (default: public addresses allowed, private and loopback denied).",
      "Exit code: 0 after SIGTERM; 2 for bad input. See docs/gateway.md."
    })
final class ServeCommand implements Callable<Integer> {
  @Spec private CommandSpec spec;

  @Option(
      names = "--host",
      paramLabel = "ADDR",
      description = "The address to listen on. Default: ${DEFAULT-VALUE}.")
  private String host = "0.0.0.0";

  @Option(
      names = "--port",
      paramLabel = "PORT",
      description = "The port to listen on; 0 picks a free one. Default: ${DEFAULT-VALUE}.")
  private int port = 9000;

  @Option(
      names = "--path",
      paramLabel = "PATH",
      description = "The HTTP path of the WebSocket endpoint. Default: ${DEFAULT-VALUE}.")
  private String path = "/";

  @Mixin private PolicyOptions policyOptions;

  @Option(
      names = "--no-policy",
      description = "Allow every address and name, with no limits (trusted networks only).")
  private boolean noPolicy;

  @Option(
      names = "--pool-idle-secs",
      paramLabel = "N",
      description = {
        "Keep connections a client closed before any byte crossed them for N seconds, for the",
        "next connect to the same address. 0: no pooling. Default: ${DEFAULT-VALUE}."
      })
  private long poolIdleSecs = 60;

  @Option(
      names = "--pool-per-key",
      paramLabel = "N",
      description = "At most N pooled connections per address. Default: ${DEFAULT-VALUE}.")
  private int poolPerKey = 8;

  @Option(
      names = "--token",
      paramLabel = "TOKEN",
      description = {
        "Require clients to send 'Authorization: Bearer TOKEN' or, from browsers, ?token=TOKEN;",
        "others get 401."
      })
  private String token;

  @Option(
      names = "--allow-origin",
      paramLabel = "ORIGIN",
      description = {
        "Accept browsers only from ORIGIN (e.g. https://app.example); others get 403.",
        "Repeatable. Default: any Origin."
      })
  private List<String> allowedOrigins = new ArrayList<>();

  @Option(
      names = "--max-sessions",
      paramLabel = "N",
      description = "At most N sessions at once; one more gets 503. 0 (default): no limit.")
  private int maxSessions;

  @Option(
      names = "--max-connections-per-address",
      paramLabel = "N",
      description = {
        "At most N connections from one client address at once, unfinished upgrades included;",
        "one more is closed at once. 0: no limit. Default: ${DEFAULT-VALUE}."
      })
  private int maxConnectionsPerAddress = 256;

  @Option(
      names = "--handshake-timeout-secs",
      paramLabel = "N",
      description = {
        "Close a connection (408) that has not sent its whole upgrade request within N seconds.",
        "0: no limit. Default: ${DEFAULT-VALUE}."
      })
  private long handshakeTimeoutSecs = 10;

  @Option(
      names = "--first-request-timeout-secs",
      paramLabel = "N",
      description = {
        "Close a session (1008) that has sent nothing within N seconds of its upgrade.",
        "0 (default): no limit; browsers and run --wasmnet connect before they need sockets."
      })
  private long firstRequestTimeoutSecs;

  @Option(
      names = "--trust-store",
      paramLabel = "FILE",
      description = "Trust the certificates in FILE for connect_tls, besides the JDK's defaults.")
  private Path trustStore;

  @Option(
      names = "--trust-store-password",
      paramLabel = "PASSWORD",
      description = "The password of --trust-store, if it has one.")
  private String trustStorePassword;

  @Override
  public Integer call() throws InterruptedException {
    WasmnetGateway.Builder builder =
        WasmnetGateway.builder().policy(policy()).trustStore(trustStore());
    try {
      builder
          .host(host)
          .port(port)
          .path(path)
          .token(token)
          .maxSessions(maxSessions)
          .maxConnectionsPerAddress(
              (int) nonNegative("--max-connections-per-address", maxConnectionsPerAddress))
          .handshakeTimeout(
              Duration.ofSeconds(nonNegative("--handshake-timeout-secs", handshakeTimeoutSecs)))
          .firstRequestTimeout(
              Duration.ofSeconds(
                  nonNegative("--first-request-timeout-secs", firstRequestTimeoutSecs)))
          .poolIdle(Duration.ofSeconds(nonNegative("--pool-idle-secs", poolIdleSecs)))
          .poolPerKey(poolPerKey);
    } catch (IllegalArgumentException e) {
      throw usageError(e.getMessage());
    }
    allowedOrigins.forEach(builder::allowOrigin);
    WasmnetGateway gateway;
    try {
      gateway = builder.build().start();
    } catch (IOException e) {
      throw usageError(e.getMessage());
    }
    // SIGTERM and Ctrl-C: say goodbye to every session (1001) and close their sockets.
    Runtime.getRuntime().addShutdownHook(new Thread(gateway::close, "wasi-sockets-serve-stop"));
    spec.commandLine()
        .getOut()
        .println(
            "wasi-sockets: serving wasmnet on ws://" + IpLiteral.format(gateway.address()) + path);
    gateway.awaitClose();
    return 0;
  }

  /** wasmnet's defaults under the policy flags, or with --no-policy everything allowed. */
  private NetworkPolicy policy() {
    if (!noPolicy) {
      return policyOptions.builder(PolicyFile.Defaults.GATEWAY).build();
    }
    if (policyOptions.hasFile()) {
      throw usageError("--policy and --no-policy exclude each other");
    }
    return policyOptions.withLimitFlags(NetworkPolicy.builder().allowAll()).build();
  }

  private KeyStore trustStore() {
    if (trustStore == null) {
      return null;
    }
    char[] password = trustStorePassword == null ? null : trustStorePassword.toCharArray();
    try {
      return KeyStore.getInstance(trustStore.toFile(), password);
    } catch (IOException | GeneralSecurityException | IllegalArgumentException e) {
      // IllegalArgumentException: no such file.
      throw usageError("--trust-store " + trustStore + ": cannot read it: " + e.getMessage());
    }
  }

  private long nonNegative(String flag, long value) {
    if (value < 0) {
      throw usageError(flag + " must be 0 or more, got " + value);
    }
    return value;
  }

  private ParameterException usageError(String message) {
    return new ParameterException(spec.commandLine(), message);
  }
}
