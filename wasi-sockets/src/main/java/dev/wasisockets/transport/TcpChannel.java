package dev.wasisockets.transport;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;

/**
 * One TCP connection as a transport provides it. No method blocks; the core builds blocking guest
 * calls, timeouts and EAGAIN on top of {@link Transport#await}.
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

  /** No more reads; the peer is not told (POSIX {@code shutdown(SHUT_RD)}). */
  void shutdownInput() throws IOException;

  /** Sends end-of-stream after the data already written (POSIX {@code shutdown(SHUT_WR)}). */
  void shutdownOutput() throws IOException;

  /** The peer's address, or null while unconnected. */
  InetSocketAddress remoteAddress() throws IOException;
}
