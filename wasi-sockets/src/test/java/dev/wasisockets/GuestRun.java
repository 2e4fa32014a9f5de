package dev.wasisockets;

import com.dylibso.chicory.runtime.Instance;
import com.dylibso.chicory.wasi.WasiExitException;
import com.dylibso.chicory.wasi.WasiOptions;
import dev.wasisockets.compile.CompileCache;
import dev.wasisockets.compile.CompiledGuest;
import dev.wasisockets.compile.GuestCompiler;
import dev.wasisockets.core.NetworkStatistics;
import dev.wasisockets.policy.NetworkPolicy;
import dev.wasisockets.transport.Transport;
import dev.wasisockets.transport.direct.DirectTransport;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** Runs a WASI command guest to completion on a {@link WasiSockets} host, as an embedder would. */
public final class GuestRun {
  /** How the guest's code runs: Chicory's interpreter or its compiler to JVM bytecode. */
  public enum Mode {
    INTERPRETER,
    COMPILER
  }

  // The suite's guests compile once per build, as a user's would once per machine (the cache is
  // under target/, so a clean build starts cold), and once per JVM only.
  private static final CompileCache CACHE = CompileCache.in(Path.of("target", "compile-cache"));
  private static final GuestCompiler COMPILER = GuestCompiler.builder().withCache(CACHE).build();
  private static final GuestCompiler INTERPRETER =
      GuestCompiler.builder().withMode(GuestCompiler.Mode.INTERPRETER).build();

  /**
   * What the guest did: its exit code, everything it printed, and what its instance counted of its
   * use of the network.
   */
  public record Result(int exitCode, String stdout, String stderr, NetworkStatistics statistics) {}

  private GuestRun() {}

  /** Runs a client-style guest on this thread. */
  public static Result run(byte[] wasm, Mode mode, NetworkPolicy policy, String... args) {
    return run(wasm, mode, policy, new DirectTransport(), args);
  }

  /** Runs a client-style guest on this thread, its sockets going through {@code transport}. */
  public static Result run(
      byte[] wasm, Mode mode, NetworkPolicy policy, Transport transport, String... args) {
    return run(wasm, mode, WasiSockets.builder().withPolicy(policy).withTransport(transport), args);
  }

  /**
   * Runs a client-style guest on this thread with the sockets {@code sockets} configures (its WASI
   * options, arguments and output are this run's).
   */
  public static Result run(byte[] wasm, Mode mode, WasiSockets.Builder sockets, String... args) {
    Output output = new Output();
    try (WasiSockets built = sockets.withWasiOptions(output.options(args)).build()) {
      return execute(compile(wasm, mode), built, output);
    }
  }

  /**
   * Starts a server-style guest on its own thread with one listener preopened on a free loopback
   * port (fd 3, as {@code --tcplisten 127.0.0.1:0} gives it).
   */
  public static Server serve(byte[] wasm, Mode mode, String... args) {
    return serve(wasm, mode, new DirectTransport(), args);
  }

  /**
   * {@link #serve(byte[], Mode, String...)} with the listener and connections on {@code transport}.
   */
  public static Server serve(byte[] wasm, Mode mode, Transport transport, String... args) {
    return serve(wasm, mode, transport, null, args);
  }

  /** {@link #serve(byte[], Mode, String...)} with {@code stdin} as the guest's standard input. */
  public static Server serve(byte[] wasm, Mode mode, InputStream stdin, String... args) {
    return serve(wasm, mode, new DirectTransport(), stdin, args);
  }

  private static Server serve(
      byte[] wasm, Mode mode, Transport transport, InputStream stdin, String... args) {
    Output output = new Output();
    WasiSockets sockets =
        WasiSockets.builder()
            .withWasiOptions(output.options(stdin, args))
            .withTransport(transport)
            .withTcpListener(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
            .build();
    return start(wasm, mode, sockets, output, sockets.preopenedSockets().get(0).localAddress());
  }

  /**
   * {@link #serve(byte[], Mode, String...)} with the sockets {@code sockets} configures (its WASI
   * options and listener are this server's).
   */
  public static Server serve(byte[] wasm, Mode mode, WasiSockets.Builder sockets, String... args) {
    return serve(
        wasm, mode, sockets, new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), args);
  }

  /**
   * A server-style guest with the sockets {@code sockets} configures (its transport, say) and its
   * listener preopened on {@code listen}.
   */
  public static Server serve(
      byte[] wasm,
      Mode mode,
      WasiSockets.Builder sockets,
      InetSocketAddress listen,
      String... args) {
    return serve(wasm, mode, sockets, listen, null, args);
  }

  /**
   * {@link #serve(byte[], Mode, WasiSockets.Builder, InetSocketAddress, String...)} with {@code
   * stdin} as the guest's standard input (null: an empty one).
   */
  public static Server serve(
      byte[] wasm,
      Mode mode,
      WasiSockets.Builder sockets,
      InetSocketAddress listen,
      InputStream stdin,
      String... args) {
    Output output = new Output();
    WasiSockets built =
        sockets.withWasiOptions(output.options(stdin, args)).withTcpListener(listen).build();
    return start(wasm, mode, built, output, built.preopenedSockets().get(0).localAddress());
  }

  /**
   * A server-style guest under {@code policy} (its limits, say), with its listener preopened on
   * {@code listen} (port 0: a free one).
   */
  public static Server serve(
      byte[] wasm, Mode mode, NetworkPolicy policy, InetSocketAddress listen, String... args) {
    return serve(wasm, mode, WasiSockets.builder().withPolicy(policy), listen, args);
  }

  /** Starts a guest on its own thread, with no preopened socket; its server port is 0. */
  public static Server start(byte[] wasm, Mode mode, NetworkPolicy policy, String... args) {
    return start(wasm, mode, policy, new DirectTransport(), args);
  }

  /**
   * {@link #start(byte[], Mode, NetworkPolicy, String...)} with its sockets on {@code transport}.
   */
  public static Server start(
      byte[] wasm, Mode mode, NetworkPolicy policy, Transport transport, String... args) {
    Output output = new Output();
    WasiSockets sockets =
        WasiSockets.builder()
            .withWasiOptions(output.options(args))
            .withPolicy(policy)
            .withTransport(transport)
            .build();
    return start(wasm, mode, sockets, output, new InetSocketAddress(0));
  }

  private static Server start(
      byte[] wasm, Mode mode, WasiSockets sockets, Output output, InetSocketAddress listening) {
    CompiledGuest guest = compile(wasm, mode);
    CompletableFuture<Result> result = new CompletableFuture<>();
    Thread thread =
        new Thread(
            () -> {
              try (sockets) {
                result.complete(execute(guest, sockets, output));
              } catch (Throwable e) {
                result.completeExceptionally(e);
              }
            },
            "guest-server");
    thread.setDaemon(true);
    thread.start();
    return new Server(listening.getPort(), result, thread);
  }

  /** A guest serving on a loopback port. */
  public record Server(int port, CompletableFuture<Result> result, Thread thread)
      implements AutoCloseable {
    /** Waits (up to 30 s) for the guest to finish. */
    public Result join() throws Exception {
      return result.get(30, TimeUnit.SECONDS);
    }

    /** Stops a guest that is still running (a failed test), by interrupting its thread. */
    @Override
    public void close() throws InterruptedException {
      thread.interrupt();
      thread.join(10_000);
    }
  }

  /** The guest, compiled through the suite's cache in compiler mode. */
  public static CompiledGuest compile(byte[] wasm, Mode mode) {
    return (mode == Mode.COMPILER ? COMPILER : INTERPRETER).compile(wasm);
  }

  private static Result execute(CompiledGuest guest, WasiSockets sockets, Output output) {
    int exitCode = 0;
    try {
      Instance instance = guest.instanceBuilder(sockets).build(); // _start is called below, once
      instance.export("_start").apply();
    } catch (WasiExitException e) {
      exitCode = e.exitCode();
    }
    return new Result(
        exitCode,
        output.stdout.toString(StandardCharsets.UTF_8),
        output.stderr.toString(StandardCharsets.UTF_8),
        sockets.statistics());
  }

  /** The guest's stdout and stderr, captured. */
  private static final class Output {
    final ByteArrayOutputStream stdout = new ByteArrayOutputStream();
    final ByteArrayOutputStream stderr = new ByteArrayOutputStream();

    WasiOptions options(String... args) {
      return options(null, args);
    }

    /** The options with {@code stdin} as standard input, or Chicory's empty one when null. */
    WasiOptions options(InputStream stdin, String... args) {
      List<String> argv = new ArrayList<>();
      argv.add("guest.wasm");
      argv.addAll(List.of(args));
      WasiOptions.Builder options =
          WasiOptions.builder().withArguments(argv).withStdout(stdout).withStderr(stderr);
      if (stdin != null) {
        options.withStdin(stdin, false);
      }
      return options.build();
    }
  }
}
