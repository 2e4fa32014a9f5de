package dev.wasisockets.gateway;

import dev.wasisockets.policy.HostResolver;
import dev.wasisockets.policy.NetworkPolicy;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketCloseStatus;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.security.KeyStore;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongSupplier;

/**
 * A wasmnet-compatible server: browser or remote clients open sockets over a WebSocket, and the
 * gateway does the real I/O under a {@link NetworkPolicy}. Embed it as
 *
 * <pre>{@code
 * try (WasmnetGateway gateway =
 *     WasmnetGateway.builder().host("127.0.0.1").port(9000).policy(policy).build().start()) {
 *   System.out.println("listening on " + gateway.address());
 *   gateway.awaitClose();
 * }
 * }</pre>
 *
 * <p>{@link #close()} says goodbye to every session with a WebSocket close frame (1001, going away)
 * and closes their sockets. See docs/gateway.md.
 */
public final class WasmnetGateway implements AutoCloseable {
  private final GatewayOptions options;
  private final AccessLog accessLog;
  private final EventLoopGroup loops = new MultiThreadIoEventLoopGroup(NioIoHandler.newFactory());
  private final ChannelGroup sessions = new DefaultChannelGroup(GlobalEventExecutor.INSTANCE);
  private final AtomicInteger sessionCount = new AtomicInteger();
  private final AtomicBoolean closed = new AtomicBoolean();
  // Name resolution blocks; it runs here, never on an event loop.
  private final ExecutorService lookups =
      Executors.newFixedThreadPool(
          4,
          task -> {
            Thread thread = new Thread(task, "wasmnet-gateway-lookup");
            thread.setDaemon(true);
            return thread;
          });
  private Channel server;
  private ConnectionPool pool;

  private WasmnetGateway(GatewayOptions options, LongSupplier accessLogClock) {
    this.options = options;
    this.accessLog = new AccessLog(accessLogClock);
  }

  public static Builder builder() {
    return new Builder();
  }

  /** Binds the listening socket; sessions are served from now on. */
  public WasmnetGateway start() throws IOException {
    pool = new ConnectionPool(options.poolIdle(), options.poolPerKey());
    SessionContext context =
        new SessionContext(
            options, lookups, pool, TlsClientContext.create(options.trustStore()), accessLog);
    ServerBootstrap bootstrap =
        new ServerBootstrap()
            .group(loops)
            .channel(NioServerSocketChannel.class)
            .childHandler(new GatewayInitializer(context, sessions, sessionCount));
    try {
      server = bootstrap.bind(options.host(), options.port()).sync().channel();
    } catch (Exception e) {
      close();
      throw new IOException(
          "cannot listen on " + options.host() + ":" + options.port() + ": " + e.getMessage(), e);
    }
    return this;
  }

  /** Where the gateway listens (the actual port when built with port 0). */
  public InetSocketAddress address() {
    return (InetSocketAddress) server.localAddress();
  }

  /** Waits until the gateway is closed (by {@link #close()} from another thread). */
  public void awaitClose() throws InterruptedException {
    loops.terminationFuture().await();
  }

  /** Sessions open now. */
  public int sessionCount() {
    return sessionCount.get();
  }

  ChannelGroup sessions() {
    return sessions;
  }

  ConnectionPool pool() {
    return pool;
  }

  /**
   * Stops listening, sends each session a close frame (1001) and closes every session's sockets.
   */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    if (server != null) {
      server.close().syncUninterruptibly();
    }
    sessions
        .writeAndFlush(new CloseWebSocketFrame(WebSocketCloseStatus.ENDPOINT_UNAVAILABLE))
        .awaitUninterruptibly(2, TimeUnit.SECONDS);
    sessions.close().awaitUninterruptibly(2, TimeUnit.SECONDS);
    loops.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
    lookups.shutdownNow();
  }

  /** Settings for a {@link WasmnetGateway}; every one has a default. */
  public static final class Builder {
    private String host = "0.0.0.0";
    private int port = 9000;
    private String path = "/";
    private NetworkPolicy policy = NetworkPolicy.gatewayDefault();
    private HostResolver resolver = name -> List.of(InetAddress.getAllByName(name));
    private String token;
    private final Set<String> allowedOrigins = new LinkedHashSet<>();
    private int maxSessions;
    private int maxFrameBytes = 1024 * 1024;
    private Duration poolIdle = Duration.ZERO;
    private int poolPerKey = 8;
    private KeyStore trustStore;
    private Duration handshakeTimeout = Duration.ofSeconds(10);
    private Duration firstRequestTimeout = Duration.ZERO;
    private int maxConnectionsPerAddress = 256;
    private LongSupplier accessLogClock = System::nanoTime;

    private Builder() {}

    /** The address to listen on. Default: 0.0.0.0. */
    public Builder host(String host) {
      this.host = Objects.requireNonNull(host);
      return this;
    }

    /** The port to listen on; 0 picks a free one. Default: 9000. */
    public Builder port(int port) {
      if (port < 0 || port > 65535) {
        throw new IllegalArgumentException("port must be 0 to 65535, got " + port);
      }
      this.port = port;
      return this;
    }

    /** The HTTP path of the WebSocket endpoint. Default: {@code /}. */
    public Builder path(String path) {
      if (!path.startsWith("/")) {
        throw new IllegalArgumentException("path must start with /, got " + path);
      }
      this.path = path;
      return this;
    }

    /**
     * What sessions may reach, and their limits. Default: {@link NetworkPolicy#gatewayDefault()}.
     */
    public Builder policy(NetworkPolicy policy) {
      this.policy = Objects.requireNonNull(policy);
      return this;
    }

    /** How names are looked up. Default: the JDK's resolver. */
    public Builder resolver(HostResolver resolver) {
      this.resolver = Objects.requireNonNull(resolver);
      return this;
    }

    /**
     * Requires clients to present {@code token}, as {@code Authorization: Bearer TOKEN} or, for
     * browsers that cannot set headers, {@code ?token=TOKEN}. Default: none required.
     */
    public Builder token(String token) {
      this.token = token;
      return this;
    }

    /** Accepts browsers only from this Origin (repeatable). Default: any Origin. */
    public Builder allowOrigin(String origin) {
      allowedOrigins.add(origin);
      return this;
    }

    /** At most this many sessions at once; 0 (default) is no limit. */
    public Builder maxSessions(int maxSessions) {
      this.maxSessions = nonNegative("maxSessions", maxSessions);
      return this;
    }

    /** The largest message a session accepts. Default: 1 MiB. */
    public Builder maxFrameBytes(int maxFrameBytes) {
      if (maxFrameBytes < 1 || maxFrameBytes > GatewayOptions.WEBSOCKET_FRAME_CAP) {
        throw new IllegalArgumentException(
            "maxFrameBytes must be 1 to " + GatewayOptions.WEBSOCKET_FRAME_CAP);
      }
      this.maxFrameBytes = maxFrameBytes;
      return this;
    }

    /**
     * Keeps connections the client closed unused for this long, to hand to the next connect to the
     * same address. Default: zero, no pooling.
     */
    public Builder poolIdle(Duration poolIdle) {
      this.poolIdle = notNegative("poolIdle", poolIdle);
      return this;
    }

    /** The most pooled connections per address. Default: 8. */
    public Builder poolPerKey(int poolPerKey) {
      this.poolPerKey = nonNegative("poolPerKey", poolPerKey);
      return this;
    }

    /** Certificates {@code connect_tls} trusts besides the JDK's default trust store. */
    public Builder trustStore(KeyStore trustStore) {
      this.trustStore = trustStore;
      return this;
    }

    /**
     * How long a connection has to send its whole upgrade request; then it is answered 408 and
     * closed. Zero: no limit. Default: 10 s.
     */
    public Builder handshakeTimeout(Duration handshakeTimeout) {
      this.handshakeTimeout = notNegative("handshakeTimeout", handshakeTimeout);
      return this;
    }

    /**
     * How long a session has, once upgraded, to send its first frame; then it is closed (1008).
     * Zero (the default): no limit, since browsers and {@code run --wasmnet} open the WebSocket
     * first and their sockets when they need them.
     */
    public Builder firstRequestTimeout(Duration firstRequestTimeout) {
      this.firstRequestTimeout = notNegative("firstRequestTimeout", firstRequestTimeout);
      return this;
    }

    /**
     * At most this many connections from one client address at once, sessions and unfinished
     * upgrades together; one more is closed at once. 0 is no limit. Default: 256.
     */
    public Builder maxConnectionsPerAddress(int maxConnectionsPerAddress) {
      this.maxConnectionsPerAddress =
          nonNegative("maxConnectionsPerAddress", maxConnectionsPerAddress);
      return this;
    }

    /**
     * For tests: the clock the access log's budget for denial lines and its durations are measured
     * by.
     */
    Builder accessLogClock(LongSupplier nanoClock) {
      this.accessLogClock = Objects.requireNonNull(nanoClock);
      return this;
    }

    public WasmnetGateway build() {
      return new WasmnetGateway(
          new GatewayOptions(
              host,
              port,
              path,
              policy,
              resolver,
              token,
              Set.copyOf(allowedOrigins),
              maxSessions,
              maxFrameBytes,
              poolIdle,
              poolPerKey,
              trustStore,
              handshakeTimeout,
              firstRequestTimeout,
              maxConnectionsPerAddress),
          accessLogClock);
    }

    private static Duration notNegative(String name, Duration value) {
      if (value.isNegative()) {
        throw new IllegalArgumentException(name + " cannot be negative");
      }
      return value;
    }

    private static int nonNegative(String name, int value) {
      if (value < 0) {
        throw new IllegalArgumentException(name + " cannot be negative");
      }
      return value;
    }
  }
}
