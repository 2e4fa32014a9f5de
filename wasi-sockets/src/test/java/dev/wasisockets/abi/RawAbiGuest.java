package dev.wasisockets.abi;

import com.dylibso.chicory.runtime.Instance;
import com.dylibso.chicory.runtime.Memory;
import com.dylibso.chicory.wabt.Wat2Wasm;
import com.dylibso.chicory.wasi.WasiOptions;
import com.dylibso.chicory.wasm.Parser;
import com.dylibso.chicory.wasm.WasmModule;
import dev.wasisockets.WasiSockets;
import dev.wasisockets.policy.NetworkPolicy;
import dev.wasisockets.policy.NetworkUse;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/**
 * A guest that re-exports the socket imports unchanged, so a test can call them with any arguments
 * a hostile guest could pass, and read and write its one page of memory directly.
 */
final class RawAbiGuest implements AutoCloseable {
  static final int EFAULT = 21;
  static final int EINVAL = 28;
  static final int EBADF = 8;
  static final int ENOTSOCK = 57;
  static final int EAGAIN = 6;
  static final int ENOTCONN = 53;
  static final int EINPROGRESS = 26;

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

  private static final String WAT =
      """
      (module
        (import "wasi_snapshot_preview1" "sock_open"
          (func $sock_open (param i32 i32 i32) (result i32)))
        (import "wasi_snapshot_preview1" "sock_connect"
          (func $sock_connect (param i32 i32 i32) (result i32)))
        (import "wasi_snapshot_preview1" "sock_send"
          (func $sock_send (param i32 i32 i32 i32 i32) (result i32)))
        (import "wasi_snapshot_preview1" "sock_recv"
          (func $sock_recv (param i32 i32 i32 i32 i32 i32) (result i32)))
        (import "wasi_snapshot_preview1" "sock_shutdown"
          (func $sock_shutdown (param i32 i32) (result i32)))
        (import "wasi_snapshot_preview1" "fd_close"
          (func $fd_close (param i32) (result i32)))
        (import "wasi_snapshot_preview1" "fd_read"
          (func $fd_read (param i32 i32 i32 i32) (result i32)))
        (import "wasi_snapshot_preview1" "fd_write"
          (func $fd_write (param i32 i32 i32 i32) (result i32)))
        (import "wasi_snapshot_preview1" "fd_fdstat_get"
          (func $fd_fdstat_get (param i32 i32) (result i32)))
        (import "wasi_snapshot_preview1" "fd_fdstat_set_flags"
          (func $fd_fdstat_set_flags (param i32 i32) (result i32)))
        (import "wasi_snapshot_preview1" "fd_prestat_get"
          (func $fd_prestat_get (param i32 i32) (result i32)))
        (import "wasi_snapshot_preview1" "fd_renumber"
          (func $fd_renumber (param i32 i32) (result i32)))
        (import "wasi_snapshot_preview1" "sock_accept"
          (func $sock_accept (param i32 i32 i32) (result i32)))
        (import "wasi_snapshot_preview1" "poll_oneoff"
          (func $poll_oneoff (param i32 i32 i32 i32) (result i32)))
        (import "wasi_snapshot_preview1" "epoll_oneoff"
          (func $epoll_oneoff (param i32 i32 i32 i32) (result i32)))
        (memory (export "memory") 1)
        (func (export "open") (param i32 i32 i32) (result i32)
          (call $sock_open (local.get 0) (local.get 1) (local.get 2)))
        (func (export "connect") (param i32 i32 i32) (result i32)
          (call $sock_connect (local.get 0) (local.get 1) (local.get 2)))
        (func (export "send") (param i32 i32 i32 i32 i32) (result i32)
          (call $sock_send (local.get 0) (local.get 1) (local.get 2) (local.get 3) (local.get 4)))
        (func (export "recv") (param i32 i32 i32 i32 i32 i32) (result i32)
          (call $sock_recv (local.get 0) (local.get 1) (local.get 2) (local.get 3)
                           (local.get 4) (local.get 5)))
        (func (export "shutdown") (param i32 i32) (result i32)
          (call $sock_shutdown (local.get 0) (local.get 1)))
        (func (export "close") (param i32) (result i32)
          (call $fd_close (local.get 0)))
        (func (export "read") (param i32 i32 i32 i32) (result i32)
          (call $fd_read (local.get 0) (local.get 1) (local.get 2) (local.get 3)))
        (func (export "write") (param i32 i32 i32 i32) (result i32)
          (call $fd_write (local.get 0) (local.get 1) (local.get 2) (local.get 3)))
        (func (export "fdstat_get") (param i32 i32) (result i32)
          (call $fd_fdstat_get (local.get 0) (local.get 1)))
        (func (export "fdstat_set_flags") (param i32 i32) (result i32)
          (call $fd_fdstat_set_flags (local.get 0) (local.get 1)))
        (func (export "prestat_get") (param i32 i32) (result i32)
          (call $fd_prestat_get (local.get 0) (local.get 1)))
        (func (export "renumber") (param i32 i32) (result i32)
          (call $fd_renumber (local.get 0) (local.get 1)))
        (func (export "accept") (param i32 i32 i32) (result i32)
          (call $sock_accept (local.get 0) (local.get 1) (local.get 2)))
        (func (export "poll") (param i32 i32 i32 i32) (result i32)
          (call $poll_oneoff (local.get 0) (local.get 1) (local.get 2) (local.get 3)))
        (func (export "epoll") (param i32 i32 i32 i32) (result i32)
          (call $epoll_oneoff (local.get 0) (local.get 1) (local.get 2) (local.get 3))))
      """;

  private static final WasmModule MODULE = Parser.parse(Wat2Wasm.parse(WAT));

  private final ServerSocket peerListener;
  private final WasiSockets sockets;
  private final Instance instance;

  RawAbiGuest() throws IOException {
    this(false);
  }

  /**
   * With {@code preopenListener}, the host also preopens a loopback listener, at fd 3 (see {@link
   * #listenerPort()}).
   */
  RawAbiGuest(boolean preopenListener) throws IOException {
    peerListener = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
    NetworkPolicy policy =
        NetworkPolicy.builder()
            .allow(NetworkUse.TCP_CONNECT, "127.0.0.1:" + peerListener.getLocalPort())
            .build();
    WasiSockets.Builder builder =
        WasiSockets.builder().withWasiOptions(WasiOptions.builder().build()).withPolicy(policy);
    if (preopenListener) {
      builder.withTcpListener(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
    }
    sockets = builder.build();
    instance = Instance.builder(MODULE).withImportValues(sockets.toImportValues(MODULE)).build();
  }

  /** Calls the export {@code name} (a socket import) with {@code args}; returns its errno. */
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

  /** The port of the preopened listener at fd 3. */
  int listenerPort() {
    return sockets.preopenedSockets().get(0).localAddress().getPort();
  }

  int peerPort() {
    return peerListener.getLocalPort();
  }

  /** Opens an IPv4 stream socket and returns its descriptor. */
  int openSocket() {
    int result = call("open", INET4, STREAM, FD_OUT);
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
    memory().write(ADDRESS_BYTES, InetAddress.getLoopbackAddress().getAddress());
    addressDescriptor(ADDRESS_BYTES, 4);
    int result = call("connect", fd, ADDRESS_DESCRIPTOR, peerPort());
    if (result != 0) {
      throw new AssertionError("sock_connect failed: errno " + result);
    }
    return peerListener.accept();
  }

  /** The {@code length} bytes at DATA, as ASCII. */
  String data(int length) {
    return new String(memory().readBytes(DATA, length), StandardCharsets.US_ASCII);
  }

  @Override
  public void close() throws IOException {
    sockets.close();
    peerListener.close();
  }
}
