package dev.wasisockets.transport;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;

/**
 * One TCP connection as a transport provides it. No method blocks; the core builds blocking guest
 * calls, timeouts and EAGAIN on top of {@link Transport#await}.
 */
public interface TcpChannel extends TransportChannel {

  /** Binds the local end before a connect (an address the policy has already allowed). */
  void bind(InetSocketAddress local) throws IOException;

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
