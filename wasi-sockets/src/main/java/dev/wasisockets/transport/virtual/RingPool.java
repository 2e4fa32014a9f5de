package dev.wasisockets.transport.virtual;

import java.util.ArrayDeque;

/**
 * The smallest rings ({@link StreamBuffer#FIRST_RING} bytes) of one network's connections, given
 * back when read empty and taken again by the next write: a ping-pong or a request and its reply
 * then allocate nothing, while an idle connection still holds no ring. At most {@link #MOST} are
 * kept (128 KiB); more are left to the collector. Guarded by the network's lock.
 */
final class RingPool {
  static final int MOST = 256;

  private final ArrayDeque<byte[]> free = new ArrayDeque<>();

  /** A ring of {@link StreamBuffer#FIRST_RING} bytes (its old bytes are never read). */
  byte[] take() {
    byte[] ring = free.poll();
    return ring != null ? ring : new byte[StreamBuffer.FIRST_RING];
  }

  /** Keeps {@code ring}, if it is of the smallest size and there is room. */
  void give(byte[] ring) {
    if (ring.length == StreamBuffer.FIRST_RING && free.size() < MOST) {
      free.push(ring);
    }
  }
}
