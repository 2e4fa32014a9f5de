package dev.wasisockets.transport;

import java.io.IOException;

/** A listening TCP socket. Ready for {@link Readiness#READ} when a connection is pending. */
public interface TcpListenerChannel extends TransportChannel {

  /** The next pending connection, or null if none is pending. */
  TcpChannel accept() throws IOException;
}
