package dev.wasisockets.transport.virtual;

import java.io.Closeable;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.channels.ClosedChannelException;
import java.time.Duration;

/**
 * A Java member's listening port on the virtual network, as a {@code ServerSocket}: {@link
 * #accept()} waits for the next connection. Thread-safe.
 */
public final class VirtualListener implements Closeable {
  private final VirtualNetwork network;
  private final Listening listening;

  VirtualListener(VirtualNetwork network, Listening listening) {
    this.network = network;
    this.listening = listening;
  }

  /** The address listened on, with the port given (an ephemeral one if 0 was asked). */
  public InetSocketAddress localAddress() {
    return listening.localAddress();
  }

  /** The port listened on. */
  public int port() {
    return listening.localAddress().getPort();
  }

  /**
   * The next connection, waiting as long as it takes.
   *
   * @throws java.io.InterruptedIOException if the thread is interrupted while waiting
   * @throws ClosedChannelException once the listener is closed
   */
  public VirtualConnection accept() throws IOException {
    return accept(Duration.ofNanos(-1));
  }

  /**
   * The next connection, waiting up to {@code timeout} (negative: no limit).
   *
   * @throws SocketTimeoutException if none came in time
   */
  public VirtualConnection accept(Duration timeout) throws IOException {
    network.lock();
    try {
      Duration left = timeout;
      while (true) {
        if (listening.isClosed()) {
          throw new ClosedChannelException();
        }
        Endpoint end = listening.poll();
        if (end != null) {
          return new VirtualConnection(network, end);
        }
        if (!timeout.isNegative() && left.isZero()) {
          throw new SocketTimeoutException("no connection within " + timeout);
        }
        long nanos = network.await(left);
        left = timeout.isNegative() ? left : Duration.ofNanos(nanos);
      }
    } finally {
      network.unlock();
    }
  }

  /** Stops listening; connections not yet accepted are reset, as Linux does. */
  @Override
  public void close() {
    network.lock();
    try {
      listening.close();
    } finally {
      network.unlock();
    }
  }
}
