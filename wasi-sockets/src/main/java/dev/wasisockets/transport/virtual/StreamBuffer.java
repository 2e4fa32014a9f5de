package dev.wasisockets.transport.virtual;

import java.nio.ByteBuffer;
import java.util.ArrayDeque;

/**
 * The bytes of one direction of a virtual connection that the writer has sent and the reader has
 * not yet read: a ring of at most {@link #CAPACITY} bytes, then the end of the stream. Guarded by
 * the network's lock. The ring is allocated on the first write at the size that write needs (at
 * least {@link #FIRST_RING}), and doubles when the bytes waiting outgrow it, so a connection that
 * carries a request and a reply (churn) allocates a few hundred bytes, not the bound. A small ring
 * (up to {@link #KEPT_RING}) is dropped once read empty, so an idle connection holds none (the
 * smallest go back to the network's {@link RingPool}, for the next write anywhere); a larger one, a
 * stream's, is kept for the bytes to come.
 *
 * <p>On a link with faults, bytes arrive later than they are written: each write's bytes carry the
 * time they are due (a mark), and only bytes whose time has come, on a link that is not cut, may be
 * read. Bytes written while no mark waits are readable at once, with no mark, so a clear link keeps
 * no marks at all. Marks are in writing order and their times never go back, as TCP delivers in
 * order.
 */
final class StreamBuffer {
  /**
   * 256 KiB each way: about what Linux gives a loopback connection (the default send buffer plus
   * the receiver's window), so a guest sees back-pressure where it would on loopback, and a
   * thousand busy connections stay within half a gigabyte.
   */
  static final int CAPACITY = 256 * 1024;

  /** The smallest ring. */
  static final int FIRST_RING = 512;

  /** The largest ring dropped when read empty. */
  static final int KEPT_RING = 4096;

  private final RingPool pool;
  private byte[] ring;
  private int head; // index of the oldest unread byte
  private int size;
  private int ready; // of the unread bytes, how many have arrived
  private boolean finished; // the writer sent end-of-stream (SHUT_WR or close)
  private long finishDue = Link.NOW; // when that end-of-stream arrives
  // Bytes on their way: the count of each mark's bytes and the time they are due, oldest first.
  private ArrayDeque<long[]> marks;

  StreamBuffer(RingPool pool) {
    this.pool = pool;
  }

  /** The bytes written and not read, arrived or on their way: what the buffer's room counts. */
  int size() {
    return size;
  }

  /** The bytes a read may take now, having come over {@code link}. */
  int readable(Link link) {
    if (marks != null && !marks.isEmpty()) {
      long now = System.nanoTime(); // asked only while bytes are on their way
      while (!marks.isEmpty() && link.delivered(marks.peek()[1], now)) {
        ready += (int) marks.poll()[0];
      }
    }
    return ready;
  }

  /** Whether the writer's end-of-stream has come over {@code link}, every byte before it read. */
  boolean endReached(Link link) {
    return finished
        && size == 0
        && (finishDue == Link.NOW || link.delivered(finishDue, System.nanoTime()));
  }

  /**
   * When the next of the bytes (or the end-of-stream) on their way is due, or {@link Link#NEVER}
   * when nothing is on its way.
   */
  long nextDue() {
    if (marks != null && !marks.isEmpty()) {
      return marks.peek()[1];
    }
    return finished && finishDue != Link.NOW ? finishDue : Link.NEVER;
  }

  int room() {
    return finished ? 0 : CAPACITY - size;
  }

  /** The writer sends end-of-stream after the bytes already here, arriving at {@code due}. */
  void finish(long due) {
    if (!finished) {
      finished = true;
      finishDue = marks == null || marks.isEmpty() ? due : Math.max(due, lastMark()[1]);
    }
  }

  private long[] lastMark() {
    return marks.peekLast();
  }

  /** Drops every unread byte (the connection was reset, or the reader will read no more). */
  void discard() {
    head = 0;
    size = 0;
    ready = 0;
    if (ring != null) {
      pool.give(ring);
    }
    ring = null;
    marks = null;
    finishDue = Link.NOW;
  }

  /** How many of {@code src}'s bytes a put would take now. */
  int fits(ByteBuffer src) {
    return Math.min(src.remaining(), CAPACITY - size);
  }

  /**
   * Copies {@code count} bytes of {@code src} in (at most {@link #fits}), due at {@code due}
   * ({@link Link#NOW}: at once, unless earlier bytes are still on their way, which they follow).
   */
  void put(ByteBuffer src, int count, long due) {
    if (count == 0) {
      return;
    }
    if (due == Link.NOW && (marks == null || marks.isEmpty())) {
      ready += count;
    } else {
      mark(count, due);
    }
    if (ring == null || ring.length - size < count) {
      grow(size + count);
    }
    int tail = (head + size) % ring.length;
    int first = Math.min(count, ring.length - tail);
    src.get(ring, tail, first);
    src.get(ring, 0, count - first);
    size += count;
  }

  /** A ring of the next power of two that holds {@code needed} bytes, the unread ones first. */
  private void grow(int needed) {
    int length = Math.max(FIRST_RING, Integer.highestOneBit(Math.max(1, needed - 1)) << 1);
    byte[] larger = length == FIRST_RING ? pool.take() : new byte[Math.min(CAPACITY, length)];
    if (ring != null) {
      int first = Math.min(size, ring.length - head);
      System.arraycopy(ring, head, larger, 0, first);
      System.arraycopy(ring, 0, larger, first, size - first);
    }
    if (ring != null) {
      pool.give(ring);
    }
    ring = larger;
    head = 0;
  }

  /** Bytes due at {@code due}, after (and never before) those already on their way. */
  private void mark(int count, long due) {
    if (marks == null) {
      marks = new ArrayDeque<>();
    }
    long[] last = marks.peekLast();
    if (last != null && due <= last[1]) {
      last[0] += count; // due within the same tick, or held back by the bytes before them
    } else {
      marks.add(new long[] {count, due});
    }
  }

  /** Copies what fits of the unread bytes into {@code dst}; the count copied. */
  int take(ByteBuffer dst) {
    int count = Math.min(dst.remaining(), ready);
    if (count == 0) {
      return 0;
    }
    int first = Math.min(count, ring.length - head);
    dst.put(ring, head, first);
    dst.put(ring, 0, count - first);
    head = (head + count) % ring.length;
    size -= count;
    ready -= count;
    if (size == 0) {
      head = 0;
      if (ring.length <= KEPT_RING) {
        pool.give(ring); // a request's or a reply's: an idle connection keeps no buffer
        ring = null;
      }
    }
    return count;
  }
}
