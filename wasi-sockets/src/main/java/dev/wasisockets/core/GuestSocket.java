package dev.wasisockets.core;

import dev.wasisockets.transport.TransportChannel;
import java.nio.ByteBuffer;

/**
 * A socket in the guest's descriptor table. Stream I/O ({@code fd_read}, {@code fd_write}, {@code
 * sock_recv}, {@code sock_send}) reaches every kind of socket through the methods here.
 */
public abstract non-sealed class GuestSocket implements Descriptor {
  /** {@code sock_shutdown} / {@code sdflags} bit: no more receiving. */
  public static final int SHUT_RD = 1;

  /** {@code sock_shutdown} / {@code sdflags} bit: no more sending. */
  public static final int SHUT_WR = 2;

  /** {@link #pollInterest} answer: the condition holds already; report it without waiting. */
  public static final int READY_NOW = 0;

  /** {@link #pollInterest} answer: the condition can never hold; never report it. */
  public static final int NEVER = -1;

  private boolean nonBlocking;

  /**
   * Whether calls that cannot complete at once return EAGAIN (or EINPROGRESS) instead of waiting.
   */
  public boolean isNonBlocking() {
    return nonBlocking;
  }

  public void setNonBlocking(boolean nonBlocking) {
    this.nonBlocking = nonBlocking;
  }

  /** The WASI filetype {@code fd_fdstat_get} reports: socket_stream (6) or socket_dgram (5). */
  public abstract int fileType();

  /**
   * Reads into {@code dst}: the count read, 0 at end of stream. Waits for data unless non-blocking,
   * when it throws EAGAIN instead.
   */
  public abstract int read(ByteBuffer dst);

  /**
   * Writes {@code srcs} in order and returns the count written. Blocking: all of it. Non-blocking:
   * what fits now, or EAGAIN when nothing does.
   */
  public abstract long write(ByteBuffer[] srcs);

  /** Shuts down reading ({@link #SHUT_RD}), writing ({@link #SHUT_WR}) or both. */
  public abstract void shutdown(int how);

  /**
   * What {@code poll_oneoff} waits for on this socket for a read ({@code write == false}) or write
   * subscription: {@link dev.wasisockets.transport.Readiness} bits of {@link #channel()}, or {@link
   * #READY_NOW}, or {@link #NEVER}.
   */
  public abstract int pollInterest(boolean write);

  /** The transport channel that {@link #pollInterest} bits refer to. */
  public abstract TransportChannel channel();

  /** Releases the socket; the descriptor table has already forgotten it. */
  public abstract void close();
}
