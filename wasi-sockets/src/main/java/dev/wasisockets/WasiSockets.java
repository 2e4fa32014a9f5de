package dev.wasisockets;

import com.dylibso.chicory.runtime.HostFunction;
import com.dylibso.chicory.runtime.ImportValues;
import com.dylibso.chicory.runtime.Instance;
import com.dylibso.chicory.runtime.Memory;
import com.dylibso.chicory.wasi.WasiOptions;
import com.dylibso.chicory.wasi.WasiPreview1;
import com.dylibso.chicory.wasm.WasmModule;
import com.dylibso.chicory.wasm.types.ExternalType;
import com.dylibso.chicory.wasm.types.FunctionImport;
import com.dylibso.chicory.wasm.types.Import;
import com.dylibso.chicory.wasm.types.MemoryImport;
import com.dylibso.chicory.wasm.types.MemoryLimits;
import dev.wasisockets.abi.CallTrace;
import dev.wasisockets.abi.Dialect;
import dev.wasisockets.abi.DirectMemory;
import dev.wasisockets.abi.ImportDescriptions;
import dev.wasisockets.abi.Preview1Imports;
import dev.wasisockets.abi.UnsupportedImportException;
import dev.wasisockets.core.DescriptorTable;
import dev.wasisockets.core.ErrnoException;
import dev.wasisockets.core.NetworkStatistics;
import dev.wasisockets.core.SocketContext;
import dev.wasisockets.policy.NetworkPolicy;
import dev.wasisockets.transport.Transport;
import dev.wasisockets.transport.direct.DirectTransport;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * WASI with sockets for one Chicory guest instance: Chicory's WASI preview 1 plus the socket
 * dialects guests import, on one descriptor table, under a {@link NetworkPolicy}.
 *
 * <pre>{@code
 * WasmModule module = Parser.parse(Path.of("guest.wasm"));
 * try (WasiSockets sockets = WasiSockets.builder()
 *         .withWasiOptions(WasiOptions.builder().inheritSystem().build())
 *         .withPolicy(NetworkPolicy.builder().allow(NetworkUse.TCP_CONNECT, "127.0.0.1:8080").build())
 *         .build()) {
 *   Instance.builder(module)
 *       .withImportValues(sockets.toImportValues(module))
 *       .withMemoryFactory(WasiSockets.memoryFactory())
 *       .build();
 * }
 * }</pre>
 *
 * <p>One instance serves one guest instance, from the guest's thread.
 */
public final class WasiSockets implements AutoCloseable {
  private static final int PREOPEN_BACKLOG = 1024;

  private final WasiPreview1 wasi;
  private final SocketContext context;
  private final Preview1Imports preview1;
  private final List<PreopenedSocket> preopenedSockets = new ArrayList<>();
  private final Dialect dialect;

  private WasiSockets(Builder builder, Transport transport) {
    this.wasi = WasiPreview1.builder().withOptions(builder.wasiOptions).build();
    this.dialect = builder.dialect;
    // Chicory numbers stdio 0-2, then each preopened directory in order: ours start the same,
    // and preopened sockets come after all of them (abi.md §12: a preopen scan that meets a
    // socket first would stop before the directories).
    int wasiDescriptors = 3 + builder.wasiOptions.directories().size();
    this.context =
        new SocketContext(
            new DescriptorTable(wasiDescriptors), transport, builder.policy, builder.onListen);
    try {
      for (InetSocketAddress address : builder.tcpListeners) {
        int fd = context.preopenTcpListener(address, PREOPEN_BACKLOG);
        preopenedSockets.add(new PreopenedSocket(fd, context.listener(fd).localAddress()));
      }
    } catch (ErrnoException e) {
      close();
      throw new IllegalStateException("cannot listen on a preopened socket: " + e.getMessage(), e);
    }
    this.preview1 =
        new Preview1Imports(
            wasi, context, builder.wasiOptions.clock(), builder.wasiOptions.stdin(), builder.trace);
  }

  /** What the guest did with the network so far: decisions, bytes, throttled time. */
  public NetworkStatistics statistics() {
    return context.network().statistics();
  }

  /** The sockets opened for the guest before it starts, in descriptor order. */
  public List<PreopenedSocket> preopenedSockets() {
    return List.copyOf(preopenedSockets);
  }

  /**
   * Guest memory for {@link Instance.Builder#withMemoryFactory}: one direct buffer, so that the
   * guest's socket sends and receives move bytes between its memory and the kernel in place. The
   * sockets work on any memory, Chicory's default too, but then copy every byte they move once
   * more. A shared memory (WebAssembly threads) is refused with an {@link
   * IllegalArgumentException}, as {@link #toHostFunctions} refuses its module.
   */
  public static Function<MemoryLimits, Memory> memoryFactory() {
    return DirectMemory::new;
  }

  public static Builder builder() {
    return new Builder();
  }

  /**
   * The host functions for {@code module}'s imports from {@code wasi_snapshot_preview1}, each
   * chosen by name and Wasm type among those of the configured {@link Dialect}. Add them to your
   * own {@link ImportValues} when the guest also imports functions of yours.
   *
   * @throws UnsupportedImportException naming every preview 1 import this host lacks, and a shared
   *     memory if the module has one
   */
  public List<HostFunction> toHostFunctions(WasmModule module) {
    List<String> problems = new ArrayList<>();
    if (hasSharedMemory(module)) {
      // Threads could reach the descriptor table, the sockets and guest memory at once, and
      // nothing here is thread-safe: refuse before instantiation, not with a race later.
      problems.add(
          "guest has a shared memory (WebAssembly threads), which this host does not support:"
              + " its WASI, sockets and guest memory serve one thread");
    }
    List<HostFunction> functions = List.of();
    try {
      functions = preview1.resolve(module, dialect);
    } catch (UnsupportedImportException e) {
      problems.addAll(e.problems());
    }
    if (!problems.isEmpty()) {
      throw new UnsupportedImportException(problems);
    }
    return functions;
  }

  private static boolean hasSharedMemory(WasmModule module) {
    var memories = module.memorySection();
    for (int i = 0; memories.isPresent() && i < memories.get().memoryCount(); i++) {
      if (memories.get().getMemory(i).limits().shared()) {
        return true;
      }
    }
    var imports = module.importSection();
    for (int i = 0; i < imports.importCount(); i++) {
      if (imports.getImport(i) instanceof MemoryImport memory && memory.limits().shared()) {
        return true;
      }
    }
    return false;
  }

  /**
   * All of {@code module}'s imports, for a guest that imports nothing but WASI.
   *
   * @throws UnsupportedImportException naming every import this host lacks, WASI or not
   */
  public ImportValues toImportValues(WasmModule module) {
    List<String> problems = new ArrayList<>();
    var imports = module.importSection();
    for (int i = 0; i < imports.importCount(); i++) {
      Import wanted = imports.getImport(i);
      if (!wanted.module().equals(Preview1Imports.MODULE)) {
        problems.add(
            "guest imports "
                + wanted.module()
                + "."
                + wanted.name()
                + " "
                + describe(module, wanted)
                + ", which this host does not provide");
      }
    }
    List<HostFunction> functions;
    try {
      functions = toHostFunctions(module);
    } catch (UnsupportedImportException e) {
      problems.addAll(e.problems());
      functions = List.of();
    }
    if (!problems.isEmpty()) {
      throw new UnsupportedImportException(problems);
    }
    return ImportValues.builder().addFunction(functions.toArray(HostFunction[]::new)).build();
  }

  /** Closes every socket the guest left open, the transport and Chicory's WASI. */
  @Override
  public void close() {
    try {
      context.close();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } finally {
      wasi.close();
    }
  }

  private static String describe(WasmModule module, Import wanted) {
    if (wanted.importType() == ExternalType.FUNCTION) {
      return ImportDescriptions.describe(
          module.typeSection().getType(((FunctionImport) wanted).typeIndex()));
    }
    return "(a " + wanted.importType().name().toLowerCase(java.util.Locale.ROOT) + ")";
  }

  /** Configures a {@link WasiSockets}; every setting has a safe default. */
  public static final class Builder {
    private WasiOptions wasiOptions = WasiOptions.builder().build();
    private NetworkPolicy policy = NetworkPolicy.denyAll();
    private Transport transport; // null: a new DirectTransport per build
    private boolean transportTaken;
    private final List<InetSocketAddress> tcpListeners = new ArrayList<>();
    private Dialect dialect = Dialect.AUTO;
    private Duration spin = DirectTransport.DEFAULT_SPIN;
    private CallTrace trace; // null: none
    private Consumer<InetSocketAddress> onListen = address -> {};

    private Builder() {}

    /** Which socket ABI the guest speaks. Default: {@link Dialect#AUTO}, from its imports. */
    public Builder withDialect(Dialect dialect) {
      this.dialect = Objects.requireNonNull(dialect);
      return this;
    }

    /**
     * Preopens a TCP listener on {@code address} (port 0: a free port) for the guest, as {@code
     * wasmtime -S tcplisten=} does. Listeners are numbered after stdio and every preopened
     * directory, in the order added; the first is fd 3 when there are no directories. They report
     * NONBLOCK. See {@link WasiSockets#preopenedSockets()} for the numbers and ports they got.
     */
    public Builder withTcpListener(InetSocketAddress address) {
      tcpListeners.add(Objects.requireNonNull(address));
      return this;
    }

    /** Arguments, environment, stdio and preopened directories, as for Chicory's WASI. */
    public Builder withWasiOptions(WasiOptions wasiOptions) {
      this.wasiOptions = Objects.requireNonNull(wasiOptions);
      return this;
    }

    /** What the guest may reach. Default: nothing ({@link NetworkPolicy#denyAll()}). */
    public Builder withPolicy(NetworkPolicy policy) {
      this.policy = Objects.requireNonNull(policy);
      return this;
    }

    /**
     * Where sockets go. Default: a new {@link DirectTransport} (OS sockets) for each build. The
     * transport belongs to the next instance built, which closes it: a transport serves one guest
     * instance, so a later build needs a transport of its own.
     */
    public Builder withTransport(Transport transport) {
      this.transport = Objects.requireNonNull(transport);
      transportTaken = false;
      return this;
    }

    /**
     * How long the default transport (OS sockets) lets a wait for one socket's bytes spin before it
     * parks the guest's thread, while spinning pays (see {@link
     * DirectTransport#DirectTransport(Duration)}): a reply on a fast link then comes without a
     * wake-up's latency, for the CPU the spin burns. Default: none ({@link
     * DirectTransport#DEFAULT_SPIN}).
     */
    public Builder withSpin(Duration spin) {
      if (spin.isNegative()) {
        throw new IllegalArgumentException("a spin cannot be negative: " + spin);
      }
      this.spin = spin;
      return this;
    }

    /**
     * Traces the guest's socket calls, one line each (see {@link CallTrace}: which calls, where the
     * lines go, whether to show data). Default: no trace, and then no call pays for one.
     */
    public Builder withTrace(CallTrace trace) {
      this.trace = Objects.requireNonNull(trace);
      return this;
    }

    /**
     * Tells {@code onListen} where the guest listens, each time it makes a socket listen itself
     * ({@code sock_listen}; the preopened listeners are known from {@link
     * WasiSockets#preopenedSockets()}): the bound address, its port the one the OS gave for port 0.
     * It is called on the guest's thread once the socket listens, so a connect from the callback's
     * side is queued, never refused: an embedder or a test learns that a guest serves without
     * polling its port. It must return quickly and not throw (an exception is the guest's EIO).
     */
    public Builder withListenCallback(Consumer<InetSocketAddress> onListen) {
      this.onListen = Objects.requireNonNull(onListen);
      return this;
    }

    /**
     * A new instance; the builder stays as it was, so each build is independent of the others (its
     * own descriptor table, sockets and transport).
     *
     * @throws IllegalStateException if the transport given to {@link #withTransport} went to an
     *     earlier build
     */
    public WasiSockets build() {
      if (transportTaken) {
        throw new IllegalStateException(
            "the transport given to withTransport belongs to an earlier build; give this one its"
                + " own");
      }
      if (transport == null) {
        return new WasiSockets(this, new DirectTransport(spin));
      }
      transportTaken = true; // even if the build fails: it closes the transport then
      return new WasiSockets(this, transport);
    }
  }
}
