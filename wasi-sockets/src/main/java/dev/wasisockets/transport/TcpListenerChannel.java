package dev.wasisockets.transport;

import java.io.IOException;

/** A listening TCP socket. Ready for {@link Readiness#READ} when a connection is pending. */
public interface TcpListenerChannel extends TransportChannel {

  /** The next pending connection, or null if none is pending. */
  TcpChannel accept() throws IOException;

  /**
   * For a guest's blocking accept with no time limit: accepts as {@link #accept} does, but may wait
   * in the OS until a connection is pending (see {@link TcpChannel#readWaiting}).
   */
  default TcpChannel acceptWaiting() throws IOException {
    return accept();
  }
}
