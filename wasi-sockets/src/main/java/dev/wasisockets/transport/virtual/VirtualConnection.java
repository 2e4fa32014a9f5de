package dev.wasisockets.transport.virtual;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ByteChannel;
import java.nio.channels.Channels;
import java.time.Duration;

/**
 * A Java member's TCP connection on the virtual network, as a blocking {@link ByteChannel} and as
 * streams. {@link #read} waits until a byte has come or the stream ended; {@link #write} waits
 * until all of its bytes are in the send buffer (back-pressure from a peer that does not read).
 * Safe to read on one thread and write on another.
 */
public final class VirtualConnection implements ByteChannel {
  private final VirtualNetwork network;
  private final Endpoint end;
  private boolean closed; // under the network's lock

  VirtualConnection(VirtualNetwork network, Endpoint end) {
    this.network = network;
    this.end = end;
  }

  public InetSocketAddress localAddress() {
    return end.local;
  }

  public InetSocketAddress remoteAddress() {
    return end.remote;
  }

  /**
   * Reads at least one byte, waiting for it: the count, or -1 at the end of the stream.
   *
   * @throws dev.wasisockets.transport.ConnectionResetException if the peer reset the connection
   * @throws java.io.InterruptedIOException if the thread is interrupted while waiting
   */
  @Override
  public int read(ByteBuffer dst) throws IOException {
    network.lock();
    try {
      while (true) {
        int count = end.read(dst);
        if (count != 0 || !dst.hasRemaining()) {
          return count;
        }
        network.await(Duration.ofNanos(-1));
      }
    } finally {
      network.unlock();
    }
  }

  /** Writes all of {@code src}, waiting for room while the peer does not read. */
  @Override
  public int write(ByteBuffer src) throws IOException {
    int count = src.remaining();
    ByteBuffer[] srcs = {src};
    network.lock();
    try {
      while (src.hasRemaining()) {
        if (end.write(srcs) == 0) {
          network.await(Duration.ofNanos(-1));
        }
      }
    } finally {
      network.unlock();
    }
    return count;
  }

  /** The connection's bytes as a stream (blocking reads, see {@link #read}). */
  public InputStream getInputStream() {
    return Channels.newInputStream(this);
  }

  /** A stream of writes onto the connection (blocking writes, see {@link #write}). */
  public OutputStream getOutputStream() {
    return Channels.newOutputStream(this);
  }

  /** SHUT_WR: the peer reads what was written, then end-of-stream; reading here goes on. */
  public void shutdownOutput() throws IOException {
    network.lock();
    try {
      end.shutdownOutput();
    } finally {
      network.unlock();
    }
  }

  /**
   * Closes with a reset, as {@code close} after SO_LINGER 0 does: the peer's next read or write is
   * {@code ConnectionResetException} (ECONNRESET), and what it had not read is gone.
   */
  public void reset() {
    network.lock();
    try {
      closed = true;
      end.close(true);
    } finally {
      network.unlock();
    }
  }

  @Override
  public boolean isOpen() {
    network.lock();
    try {
      return !closed;
    } finally {
      network.unlock();
    }
  }

  /** Closes: the peer reads end-of-stream, or is reset if bytes it sent are unread here. */
  @Override
  public void close() {
    network.lock();
    try {
      closed = true;
      end.close(false);
    } finally {
      network.unlock();
    }
  }
}
