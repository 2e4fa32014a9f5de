package dev.wasisockets.transport;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;

/**
 * One TCP connection as a transport provides it. No method blocks but the {@code ...Waiting} ones;
 * the core builds blocking guest calls, timeouts and EAGAIN on top of {@link Transport#await}.
 */
public interface TcpChannel extends TransportChannel {

  /**
   * Binds the local end (an address the policy has already allowed). The channel may then connect
   * from it or {@link #listen} on it; the address is the channel's from now on until it closes.
   */
  void bind(InetSocketAddress local) throws IOException;

  /**
   * Makes this unconnected channel a listener with room for {@code backlog} pending connections: on
   * the address it is bound to, which passes to the listener without ever being free for another
   * program to take, or, unbound, on {@code local} (an address the policy has allowed). This
   * channel is closed once the listener has the address; if listening fails, it stays as it was
   * (bound or not) and the caller may try again or connect.
   */
  TcpListenerChannel listen(InetSocketAddress local, int backlog) throws IOException;

  /**
   * Starts connecting to {@code remote}, an address the policy has already allowed. Returns true if
   * the connection was established at once, false if it is pending: then wait for {@link
   * Readiness#CONNECT} and call {@link #finishConnect}.
   */
  boolean connect(InetSocketAddress remote) throws IOException;

  /** True once a pending connect has succeeded, false while pending; throws if it failed. */
  boolean finishConnect() throws IOException;

  /** Reads what is available: the count read, 0 if nothing is, -1 once the peer has closed. */
  int read(ByteBuffer dst) throws IOException;

  /** Writes what fits in the send buffer now, from {@code srcs} in order; returns the count. */
  long write(ByteBuffer[] srcs) throws IOException;

  /**
   * For a guest's blocking receive with no time limit: reads as {@link #read} does, but may first
   * wait in the OS until a byte has come or the peer has closed, which costs one system call where
   * reading, {@link Transport#await} and reading again cost several. A transport that cannot wait
   * so returns what {@link #read} does and the core awaits as usual.
   */
  default int readWaiting(ByteBuffer dst) throws IOException {
    return read(dst);
  }

  /**
   * For a guest's blocking send with no time limit: writes as {@link #write} does, but may wait in
   * the OS until all of {@code srcs} is written (see {@link #readWaiting}).
   */
  default long writeWaiting(ByteBuffer[] srcs) throws IOException {
    return write(srcs);
  }

  /** No more reads; the peer is not told (POSIX {@code shutdown(SHUT_RD)}). */
  void shutdownInput() throws IOException;

  /** Sends end-of-stream after the data already written (POSIX {@code shutdown(SHUT_WR)}). */
  void shutdownOutput() throws IOException;

  /** The peer's address, or null while unconnected. */
  InetSocketAddress remoteAddress() throws IOException;
}
