package dev.wasisockets.transport.virtual;

import java.nio.ByteBuffer;

/**
 * The bytes of one direction of a virtual connection that the writer has sent and the reader has
 * not yet read: a ring of at most {@link #CAPACITY} bytes, then the end of the stream. Guarded by
 * the network's lock; the ring is allocated on the first write, so an idle connection holds none.
 */
final class StreamBuffer {
  /**
   * 256 KiB each way: about what Linux gives a loopback connection (the default send buffer plus
   * the receiver's window), so a guest sees back-pressure where it would on loopback, and a
   * thousand busy connections stay within half a gigabyte.
   */
  static final int CAPACITY = 256 * 1024;

  private byte[] ring;
  private int head; // index of the oldest unread byte
  private int size;
  private boolean finished; // the writer sent end-of-stream (SHUT_WR or close)

  int size() {
    return size;
  }

  int room() {
    return finished ? 0 : CAPACITY - size;
  }

  boolean isFinished() {
    return finished;
  }

  /** The writer sends end-of-stream after the bytes already here. */
  void finish() {
    finished = true;
  }

  /** Drops every unread byte (the connection was reset, or the reader will read no more). */
  void discard() {
    head = 0;
    size = 0;
    ring = null;
  }

  /** Copies what fits of {@code src} in; the count copied. */
  int put(ByteBuffer src) {
    int count = Math.min(src.remaining(), CAPACITY - size);
    if (count == 0) {
      return 0;
    }
    if (ring == null) {
      ring = new byte[CAPACITY];
    }
    int tail = (head + size) % CAPACITY;
    int first = Math.min(count, CAPACITY - tail);
    src.get(ring, tail, first);
    src.get(ring, 0, count - first);
    size += count;
    return count;
  }

  /** Copies what fits of the unread bytes into {@code dst}; the count copied. */
  int take(ByteBuffer dst) {
    int count = Math.min(dst.remaining(), size);
    if (count == 0) {
      return 0;
    }
    int first = Math.min(count, CAPACITY - head);
    dst.put(ring, head, first);
    dst.put(ring, 0, count - first);
    head = (head + count) % CAPACITY;
    size -= count;
    if (size == 0) {
      head = 0;
    }
    return count;
  }
}
