package dev.wasisockets.junit;

import com.dylibso.chicory.wasi.WasiOptions;
import dev.wasisockets.WasiSockets;
import dev.wasisockets.abi.CallTrace;
import dev.wasisockets.compile.CompileCache;
import dev.wasisockets.compile.CompiledGuest;
import dev.wasisockets.compile.GuestCompiler;
import dev.wasisockets.policy.NetworkPolicy;
import dev.wasisockets.policy.NetworkUse;
import dev.wasisockets.transport.virtual.VirtualHost;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolutionException;
import org.junit.jupiter.api.extension.ParameterResolver;
import org.junit.jupiter.api.extension.TestExecutionExceptionHandler;

/**
 * A WebAssembly guest as a JUnit 5 test resource. As a {@code static} {@code @RegisterExtension}
 * field it runs once for the test class; as an instance field, once for each test. Either way it is
 * started before the test (its listener open before its first instruction runs), stopped after it
 * if it still runs, and its sockets and clients closed.
 *
 * <pre>{@code
 * @RegisterExtension
 * static final WasmGuest echo = WasmGuest.fromResource("/echo.wasm").listen().args("100");
 *
 * @Test
 * void echoes(GuestClient client) {
 *   assertThat(client.write("hello\n").readLine()).isEqualTo("hello");
 * }
 * }</pre>
 *
 * <p>The guest reaches nothing unless granted ({@link #allowConnect}, {@link #withPolicy}); its
 * sockets go through the OS on loopback unless it is put {@link #on} a virtual network's host. A
 * test that fails gets the guest's status, output and last socket calls in its message.
 *
 * <p>Configure it before it starts (in the field's initializer); parameters of type {@link
 * RunningGuest} and {@link GuestClient} (a new connection to the listener) are resolved from it, so
 * a test class with more than one guest takes them from the fields instead ({@link #running()}).
 */
public final class WasmGuest
    implements BeforeAllCallback,
        BeforeEachCallback,
        AfterEachCallback,
        AfterAllCallback,
        ParameterResolver,
        TestExecutionExceptionHandler {
  private static final ExtensionContext.Namespace NAMESPACE =
      ExtensionContext.Namespace.create(WasmGuest.class);

  /** How many socket calls a failure message shows. */
  static final int RECENT_CALLS = 200;

  private final String name;
  private final Source source;
  private final List<String> args = new ArrayList<>();
  private final Map<String, String> env = new LinkedHashMap<>();
  private NetworkPolicy policy; // null: built from the grants below
  private final NetworkPolicy.Builder grants = NetworkPolicy.builder();
  private InetSocketAddress listen; // null: no preopened listener
  private boolean listensItself;
  private VirtualHost host; // null: the direct transport
  private Duration clientTimeout = Duration.ofSeconds(GuestClient.DEFAULT_TIMEOUT_SECONDS);

  // The guest of this field; a per-class guest's tests share it, a per-test field's test owns it.
  private volatile RunningGuest running;
  private volatile boolean perClass;
  private volatile String owner; // the unique id of the class that started a per-class guest
  // The clients given to each test as parameters, closed after it (by its unique id).
  private final Map<String, List<GuestClient>> clientsByTest = new ConcurrentHashMap<>();

  /** Where the module's bytes come from. */
  private interface Source {
    byte[] bytes() throws IOException;
  }

  private WasmGuest(String name, Source source) {
    this.name = name;
    this.source = source;
  }

  /** The guest in the file {@code path}. */
  public static WasmGuest fromPath(Path path) {
    return new WasmGuest(path.getFileName().toString(), () -> Files.readAllBytes(path));
  }

  /**
   * The guest in the class-path resource {@code resource} (an absolute name, as {@link
   * Class#getResourceAsStream} takes it: {@code "/guests/echo.wasm"}).
   */
  public static WasmGuest fromResource(String resource) {
    String absolute = resource.startsWith("/") ? resource : "/" + resource;
    return new WasmGuest(
        absolute.substring(absolute.lastIndexOf('/') + 1),
        () -> {
          try (InputStream in = resourceStream(absolute)) {
            if (in == null) {
              throw new IOException("no class-path resource " + absolute);
            }
            return in.readAllBytes();
          }
        });
  }

  /** The guest whose module is {@code wasm}, named {@code name} in messages. */
  public static WasmGuest fromBytes(String name, byte[] wasm) {
    byte[] copy = wasm.clone();
    return new WasmGuest(name, () -> copy);
  }

  private static InputStream resourceStream(String absolute) {
    ClassLoader loader = Thread.currentThread().getContextClassLoader();
    InputStream in = loader == null ? null : loader.getResourceAsStream(absolute.substring(1));
    return in != null ? in : WasmGuest.class.getResourceAsStream(absolute);
  }

  /** The guest's arguments after its name ({@code argv[1...]}). */
  public WasmGuest args(String... args) {
    this.args.addAll(List.of(args));
    return this;
  }

  /** An environment variable of the guest's (it sees no other). */
  public WasmGuest env(String name, String value) {
    env.put(Objects.requireNonNull(name), Objects.requireNonNull(value));
    return this;
  }

  /**
   * Grants the guest TCP connects to {@code rule} (a policy rule: {@code "127.0.0.1:8080"}, {@code
   * "10.0.0.0/8"}, {@code "db:5432"}, see docs/policy.md). Nothing is granted unless asked.
   */
  public WasmGuest allowConnect(String rule) {
    grants.allow(NetworkUse.TCP_CONNECT, rule);
    return this;
  }

  /** Grants the guest name lookups ({@code sock_getaddrinfo}). */
  public WasmGuest allowLookup() {
    grants.allowLookup();
    return this;
  }

  /** Grants {@code use} of {@code rule}, for what the two methods above do not cover. */
  public WasmGuest allow(NetworkUse use, String rule) {
    grants.allow(use, rule);
    return this;
  }

  /** The guest's whole policy, instead of the grants above. */
  public WasmGuest withPolicy(NetworkPolicy policy) {
    this.policy = Objects.requireNonNull(policy);
    return this;
  }

  /**
   * A listener preopened for the guest at fd 3, as {@code --tcplisten} gives it: on loopback a port
   * the OS picks (so tests in parallel never share one); on a virtual host, port 0 is the host's
   * next ephemeral port. It listens before the guest starts, so a client can connect at once.
   */
  public WasmGuest listen() {
    return listen(0);
  }

  /** {@link #listen()} on {@code port}: on a virtual host, every address of it. */
  public WasmGuest listen(int port) {
    this.listen =
        host == null
            ? new InetSocketAddress(InetAddress.getLoopbackAddress(), port)
            : new InetSocketAddress(port);
    return this;
  }

  /**
   * For a guest that binds and listens itself (a WasmEdge {@code sock_listen}, say): the kit waits,
   * before the test, until the host's listen says it does (never by polling a port), at most the
   * client timeout; a guest that ends first or never listens fails the test with its output. Its
   * bind needs a grant ({@code allow(NetworkUse.BIND, "127.0.0.1")}).
   */
  public WasmGuest listensItself() {
    this.listensItself = true;
    return this;
  }

  /**
   * Runs the guest as {@code host}, a member of a virtual network the test made, instead of on the
   * OS's loopback: the test can then put faults on it ({@code network.faults()}).
   */
  public WasmGuest on(VirtualHost host) {
    this.host = Objects.requireNonNull(host);
    if (listen != null) {
      listen = new InetSocketAddress(listen.getPort());
    }
    return this;
  }

  /** How long each call of the clients it gives waits. Default: 10 s. */
  public WasmGuest clientTimeout(Duration timeout) {
    if (timeout.isNegative() || timeout.isZero()) {
      throw new IllegalArgumentException("a timeout must be positive: " + timeout);
    }
    this.clientTimeout = timeout;
    if (running != null) {
      running.clientTimeout(timeout);
    }
    return this;
  }

  /**
   * The guest started for the current test (or class).
   *
   * @throws IllegalStateException outside a test
   */
  public RunningGuest running() {
    RunningGuest current = running;
    if (current == null) {
      throw new IllegalStateException(name + " runs only during its tests");
    }
    return current;
  }

  /** {@code running().client()}: a new connection to its listener. */
  public GuestClient client() {
    return running().client();
  }

  @Override
  public void beforeAll(ExtensionContext context) {
    // A @Nested class inherits the extension and calls back here too: its tests share the outer
    // class's guest, which only the outer class's end stops.
    if (owner == null) {
      perClass = true;
      owner = context.getUniqueId();
      running = start(context);
    }
  }

  @Override
  public void beforeEach(ExtensionContext context) {
    if (!perClass) {
      running = start(context);
    }
  }

  @Override
  public void afterEach(ExtensionContext context) {
    List<GuestClient> given = clientsByTest.remove(context.getUniqueId());
    RunningGuest current = running;
    if (given != null && current != null) {
      current.closeClients(given);
    }
    if (!perClass && current != null) {
      current.stop();
      running = null;
    }
  }

  @Override
  public void afterAll(ExtensionContext context) {
    RunningGuest current = running;
    if (perClass && current != null && context.getUniqueId().equals(owner)) {
      current.stop();
      running = null;
      owner = null;
    }
  }

  @Override
  public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
    Class<?> type = parameter.getParameter().getType();
    return type == RunningGuest.class || type == GuestClient.class;
  }

  @Override
  public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
    RunningGuest current = running;
    if (current == null) {
      throw new ParameterResolutionException(
          name + " is not running for " + context.getDisplayName());
    }
    if (parameter.getParameter().getType() == RunningGuest.class) {
      return current;
    }
    GuestClient client = current.client();
    clientsByTest
        .computeIfAbsent(context.getUniqueId(), id -> new CopyOnWriteArrayList<>())
        .add(client);
    return client;
  }

  /**
   * Adds the guest's status, output and last socket calls to the failure's message, so that the
   * test log says why without a rerun.
   */
  @Override
  public void handleTestExecutionException(ExtensionContext context, Throwable failure)
      throws Throwable {
    RunningGuest current = running;
    if (current == null) {
      throw failure;
    }
    throw new GuestFailure(failure, current.report());
  }

  private RunningGuest start(ExtensionContext context) {
    byte[] wasm;
    try {
      wasm = source.bytes();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the guest " + name, e);
    }
    CompiledGuest guest = compiler(context).compile(wasm);
    CapturedOutput stdout = new CapturedOutput();
    CapturedOutput stderr = new CapturedOutput();
    RecentCalls calls = new RecentCalls(RECENT_CALLS);
    List<String> argv = new ArrayList<>();
    argv.add(name);
    argv.addAll(args);
    WasiOptions.Builder options =
        WasiOptions.builder().withArguments(argv).withStdout(stdout).withStderr(stderr);
    env.forEach(options::withEnvironment);
    WasiSockets.Builder sockets =
        WasiSockets.builder()
            .withWasiOptions(options.build())
            .withPolicy(policy != null ? policy : grants.build())
            .withTrace(CallTrace.to(calls));
    if (host != null) {
      sockets.withTransport(host.newTransport());
    }
    if (listen != null) {
      sockets.withTcpListener(listen);
    }
    CompletableFuture<InetSocketAddress> listened = new CompletableFuture<>();
    if (listensItself) {
      sockets.withListenCallback(listened::complete);
    }
    RunningGuest started =
        new RunningGuest(
            name, guest, sockets.build(), host, stdout, stderr, calls, clientTimeout, listened);
    started.start();
    if (listensItself && listen == null) {
      started.awaitListening(clientTimeout);
    }
    return started;
  }

  /**
   * One compiler for the whole run, kept in the root context's store: every test class on the same
   * guest shares its compile (and the compile cache on disk, for later runs).
   */
  private static GuestCompiler compiler(ExtensionContext context) {
    return context
        .getRoot()
        .getStore(NAMESPACE)
        .getOrComputeIfAbsent(
            GuestCompiler.class,
            key -> GuestCompiler.builder().withCache(CompileCache.in(cacheDirectory())).build(),
            GuestCompiler.class);
  }

  /**
   * Where compiled guests are kept between runs: the system property {@code
   * wasi-sockets.junit.cache}, or {@code target/wasi-sockets-junit-cache} under the working
   * directory (Maven's module directory), so {@code mvn clean} starts cold.
   */
  static Path cacheDirectory() {
    String configured = System.getProperty("wasi-sockets.junit.cache");
    return configured != null ? Path.of(configured) : Path.of("target", "wasi-sockets-junit-cache");
  }

  @Override
  public String toString() {
    return "WasmGuest[" + name + "]";
  }
}
