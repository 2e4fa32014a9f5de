package dev.wasisockets.abi;

import com.dylibso.chicory.runtime.ByteBufferMemory;
import com.dylibso.chicory.runtime.Instance;
import com.dylibso.chicory.runtime.Memory;
import com.dylibso.chicory.wabt.Wat2Wasm;
import com.dylibso.chicory.wasi.WasiOptions;
import com.dylibso.chicory.wasm.Parser;
import com.dylibso.chicory.wasm.WasmModule;
import com.dylibso.chicory.wasm.types.MemoryLimits;
import dev.wasisockets.WasiSockets;
import dev.wasisockets.core.NetworkStatistics;
import dev.wasisockets.policy.NetworkPolicy;
import dev.wasisockets.policy.NetworkUse;
import dev.wasisockets.transport.virtual.VirtualConnection;
import dev.wasisockets.transport.virtual.VirtualHost;
import dev.wasisockets.transport.virtual.VirtualListener;
import dev.wasisockets.transport.virtual.VirtualNetwork;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.function.Function;

/**
 * A guest that re-exports the socket imports unchanged, so a test can call them with any arguments
 * a hostile guest could pass, and read and write its one page of memory directly.
 */
final class RawAbiGuest implements AutoCloseable {
  /** The guest memories the socket imports must work on: each moves bytes its own way. */
  enum MemoryKind {
    /** {@link WasiSockets#memoryFactory()}: sockets read and write guest memory in place. */
    DIRECT(WasiSockets.memoryFactory()),
    /** Chicory's default: sockets copy. */
    CHICORY(ByteBufferMemory::new);

    final Function<MemoryLimits, Memory> factory;

    MemoryKind(Function<MemoryLimits, Memory> factory) {
      this.factory = factory;
    }
  }

  /** Where the guest's sockets go: the OS's loopback, or a virtual network. */
  enum Network {
    DIRECT,
    /** A {@link VirtualNetwork} host, the peer a Java member on the same host. */
    VIRTUAL
  }

  /** The peer's side of a connection the guest made, on either network. */
  interface Peer extends Closeable {
    InputStream getInputStream() throws IOException;

    OutputStream getOutputStream() throws IOException;
  }

  static final int EFAULT = 21;
  static final int EINVAL = 28;
  static final int EBADF = 8;
  static final int ENOTSOCK = 57;
  static final int EAGAIN = 6;
  static final int ENOTCONN = 53;
  static final int EINPROGRESS = 26;
  static final int EACCES = 2;
  static final int ECONNREFUSED = 14;
  static final int ENOPROTOOPT = 50;

  static final int RECV_WAITALL = 2;

  static final int PAGE = 65536;
  static final int INET4 = 1;
  static final int STREAM = 2;

  // Where the tests keep things in the guest's one page.
  static final int FD_OUT = 0;
  static final int ADDRESS_DESCRIPTOR = 8;
  static final int ADDRESS_BYTES = 16;
  static final int IOVEC = 32;
  static final int COUNT_OUT = 48;
  static final int FLAGS_OUT = 52;
  static final int FDSTAT = 56;
  static final int DATA = 128;

  /** The imports re-exported by default: {@code name:parameter count}, all returning an errno. */
  static final List<String> DEFAULT_IMPORTS =
      List.of(
          "sock_open:3",
          "sock_connect:3",
          "sock_bind:3",
          "sock_listen:2",
          "sock_send:5",
          "sock_recv:6",
          "sock_shutdown:2",
          "sock_accept:3",
          "sock_getlocaladdr:3",
          "sock_getpeeraddr:3",
          "sock_send_to:7",
          "sock_recv_from:8",
          "sock_getsockopt:5",
          "sock_setsockopt:5",
          "sock_getaddrinfo:8",
          "fd_close:1",
          "fd_read:4",
          "fd_write:4",
          "fd_fdstat_get:2",
          "fd_fdstat_set_flags:2",
          "fd_prestat_get:2",
          "fd_renumber:2",
          "poll_oneoff:4",
          "epoll_oneoff:4");

  /** The WasmEdge V1 forms, whose types differ from V2's: a module imports one or the other. */
  static final List<String> WASMEDGE_V1_IMPORTS =
      List.of(
          "sock_open:3",
          "sock_connect:3",
          "sock_bind:3",
          "sock_listen:2",
          "sock_accept:2",
          "sock_getlocaladdr:4",
          "sock_getpeeraddr:4",
          "sock_recv_from:7",
          "sock_send_to:7",
          "sock_send:5",
          "sock_recv:6",
          "sock_shutdown:2",
          "fd_close:1");

  /**
   * A module that imports each of {@code imports} and exports it under the same name. An entry is
   * {@code name:COUNT} (that many i32 parameters) or {@code name:TYPE TYPE ...} (e.g. {@code
   * clock_time_get:i32 i64 i32}).
   */
  static WasmModule passThrough(List<String> imports) {
    StringBuilder wat = new StringBuilder("(module\n");
    StringBuilder exports = new StringBuilder();
    for (int i = 0; i < imports.size(); i++) {
      String[] entry = imports.get(i).split(":");
      String types =
          entry[1].matches("\\d+") ? " i32".repeat(Integer.parseInt(entry[1])) : " " + entry[1];
      int params = types.isBlank() ? 0 : types.strip().split(" ").length;
      String signature = "(param" + types + ") (result i32)";
      wat.append("  (import \"wasi_snapshot_preview1\" \"")
          .append(entry[0])
          .append("\" (func $f")
          .append(i)
          .append(" ")
          .append(signature)
          .append("))\n");
      exports.append("  (func (export \"").append(entry[0]).append("\") ").append(signature);
      for (int p = 0; p < params; p++) {
        exports.append(" (local.get ").append(p).append(")");
      }
      exports.append(" call $f").append(i).append(")\n");
    }
    wat.append("  (memory (export \"memory\") 1)\n").append(exports).append(")");
    return Parser.parse(Wat2Wasm.parse(wat.toString()));
  }

  static final WasmModule MODULE = passThrough(DEFAULT_IMPORTS);

  private final ServerSocket peerListener; // on the direct network
  private final VirtualListener virtualPeer; // on the virtual one
  private final VirtualHost virtualHost;
  private final WasiSockets sockets;
  private final Instance instance;

  RawAbiGuest() throws IOException {
    this(false);
  }

  /** A guest on a memory of {@code kind}. */
  RawAbiGuest(MemoryKind kind) throws IOException {
    this(false, MODULE, NetworkPolicy.builder(), kind);
  }

  /**
   * With {@code preopenListener}, the host also preopens a loopback listener, at fd 3 (see {@link
   * #listenerPort()}).
   */
  RawAbiGuest(boolean preopenListener) throws IOException {
    this(preopenListener, MODULE, NetworkPolicy.builder());
  }

  /**
   * A guest of {@code module} (see {@link #passThrough}) whose policy is {@code grants} plus
   * connecting to its peer.
   */
  RawAbiGuest(boolean preopenListener, WasmModule module, NetworkPolicy.Builder grants)
      throws IOException {
    this(preopenListener, module, grants, MemoryKind.DIRECT);
  }

  /** As above, on a memory of {@code kind}. */
  RawAbiGuest(
      boolean preopenListener, WasmModule module, NetworkPolicy.Builder grants, MemoryKind kind)
      throws IOException {
    this(preopenListener, module, grants, kind, null);
  }

  /** As above, its socket calls traced by {@code trace} (null: not traced). */
  RawAbiGuest(
      boolean preopenListener,
      WasmModule module,
      NetworkPolicy.Builder grants,
      MemoryKind kind,
      CallTrace trace)
      throws IOException {
    this(preopenListener, module, grants, kind, trace, Network.DIRECT);
  }

  /** As above, on {@code network}. */
  RawAbiGuest(
      boolean preopenListener,
      WasmModule module,
      NetworkPolicy.Builder grants,
      MemoryKind kind,
      CallTrace trace,
      Network network)
      throws IOException {
    WasiSockets.Builder builder = WasiSockets.builder();
    if (network == Network.VIRTUAL) {
      VirtualHost host = VirtualNetwork.create().host("guest");
      virtualHost = host;
      peerListener = null;
      virtualPeer = host.listen(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
      builder.withTransport(host.newTransport());
    } else {
      peerListener = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
      virtualPeer = null;
      virtualHost = null;
    }
    NetworkPolicy policy = grants.allow(NetworkUse.TCP_CONNECT, "127.0.0.1:" + peerPort()).build();
    builder.withWasiOptions(WasiOptions.builder().build()).withPolicy(policy);
    if (preopenListener) {
      builder.withTcpListener(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
    }
    if (trace != null) {
      builder.withTrace(trace);
    }
    sockets = builder.build();
    instance =
        Instance.builder(module)
            .withImportValues(sockets.toImportValues(module))
            .withMemoryFactory(kind.factory)
            .build();
  }

  /** Calls the import {@code name} through its export with {@code args}; returns its errno. */
  int call(String name, long... args) {
    return (int) instance.export(name).apply(args)[0];
  }

  Memory memory() {
    return instance.memory();
  }

  /** Writes an iovec {@code (buf, len)} at {@code at}. */
  void iovec(int at, int buf, int len) {
    memory().writeI32(at, buf);
    memory().writeI32(at + 4, len);
  }

  /** What the guest did with the network. */
  NetworkStatistics statistics() {
    return sockets.statistics();
  }

  /** The port of the preopened listener at fd 3. */
  int listenerPort() {
    return sockets.preopenedSockets().get(0).localAddress().getPort();
  }

  /** The guest's host on a virtual network, where Java members join it (null on the direct one). */
  VirtualHost virtualHost() {
    return virtualHost;
  }

  int peerPort() {
    return peerListener != null ? peerListener.getLocalPort() : virtualPeer.port();
  }

  /**
   * The peer's listener, to accept a connection the guest made by calls of its own (the direct
   * network's).
   */
  ServerSocket peerListener() {
    if (peerListener == null) {
      throw new IllegalStateException("the guest is on a virtual network");
    }
    return peerListener;
  }

  /** Opens an IPv4 stream socket and returns its descriptor. */
  int openSocket() {
    int result = call("sock_open", INET4, STREAM, FD_OUT);
    if (result != 0) {
      throw new AssertionError("sock_open failed: errno " + result);
    }
    return memory().readInt(FD_OUT);
  }

  /** Writes an address descriptor {@code (buffer, length)} at ADDRESS_DESCRIPTOR. */
  void addressDescriptor(int buffer, int length) {
    memory().writeI32(ADDRESS_DESCRIPTOR, buffer);
    memory().writeI32(ADDRESS_DESCRIPTOR + 4, length);
  }

  /** Connects socket {@code fd} to the peer and returns the peer's side of the connection. */
  Socket connectToPeer(int fd) throws IOException {
    connectCall(fd);
    return peerListener().accept();
  }

  /** As {@link #connectToPeer}, on either network. */
  Peer connectPeer(int fd) throws IOException {
    connectCall(fd);
    return acceptPeer();
  }

  /** The peer's side of the next connection the guest made to it, on either network. */
  Peer acceptPeer() throws IOException {
    if (virtualPeer != null) {
      VirtualConnection connection = virtualPeer.accept(Duration.ofSeconds(30));
      return new Peer() {
        @Override
        public InputStream getInputStream() {
          return connection.getInputStream();
        }

        @Override
        public OutputStream getOutputStream() {
          return connection.getOutputStream();
        }

        @Override
        public void close() {
          connection.close();
        }
      };
    }
    Socket socket = peerListener.accept();
    return new Peer() {
      @Override
      public InputStream getInputStream() throws IOException {
        return socket.getInputStream();
      }

      @Override
      public OutputStream getOutputStream() throws IOException {
        return socket.getOutputStream();
      }

      @Override
      public void close() throws IOException {
        socket.close();
      }
    };
  }

  private void connectCall(int fd) {
    memory().write(ADDRESS_BYTES, InetAddress.getLoopbackAddress().getAddress());
    addressDescriptor(ADDRESS_BYTES, 4);
    int result = call("sock_connect", fd, ADDRESS_DESCRIPTOR, peerPort());
    if (result != 0) {
      throw new AssertionError("sock_connect failed: errno " + result);
    }
  }

  /** The {@code length} bytes at DATA, as ASCII. */
  String data(int length) {
    return new String(memory().readBytes(DATA, length), StandardCharsets.US_ASCII);
  }

  @Override
  public void close() throws IOException {
    sockets.close();
    if (peerListener != null) {
      peerListener.close();
    } else {
      virtualPeer.close();
    }
  }
}
