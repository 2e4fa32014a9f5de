package dev.wasisockets.host;

import com.dylibso.chicory.wasi.WasiOptions;
import dev.wasisockets.WasiSockets;
import dev.wasisockets.abi.CallTrace;
import dev.wasisockets.abi.Dialect;
import dev.wasisockets.address.IpLiteral;
import dev.wasisockets.policy.NetworkPolicy;
import dev.wasisockets.wasmnet.client.WasmnetTransport;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;
import picocli.CommandLine.TypeConversionException;

/** {@code run}'s flags for the guest's {@link WasiSockets}: its ABI, its waits, its listeners. */
final class WasiSocketsOptions {
  @Spec(Spec.Target.MIXEE)
  private CommandSpec command;

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

  /**
   * The guest's sockets and WASI, under {@code policy}, through {@code wasmnet}'s server if it
   * names one, its calls traced by {@code trace} if not null; the {@code --tcplisten} listeners
   * bound.
   */
  WasiSockets build(
      WasiOptions wasi, NetworkPolicy policy, WasmnetClientOptions wasmnet, CallTrace trace) {
    WasiSockets.Builder builder =
        WasiSockets.builder().withWasiOptions(wasi).withPolicy(policy).withDialect(dialect);
    if (trace != null) {
      builder.withTrace(trace);
    }
    if (spinMicros != null) {
      if (spinMicros < 0 || spinMicros > 1_000_000) {
        throw usageError("--spin-micros must be from 0 to 1000000 (a second), got " + spinMicros);
      }
      builder.withSpin(Duration.ofNanos(1_000 * spinMicros));
    }
    tcpListeners.forEach(builder::withTcpListener);
    // The link to a wasmnet server is opened last, and closed if the build fails after it.
    WasmnetTransport transport = wasmnet.connect();
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

  private ParameterException usageError(String message) {
    return new ParameterException(command.commandLine(), message);
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
