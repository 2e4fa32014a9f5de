package dev.wasisockets.transport.virtual;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;

/**
 * The datagrams that have come for one UDP socket and were not received yet, bounded as Linux
 * bounds a socket's receive buffer: each datagram costs its bytes plus {@link #OVERHEAD} (Linux
 * charges its buffer header alike, so empty datagrams cannot queue without end), and one that does
 * not fit is dropped without a word, as UDP drops. Guarded by the network's lock.
 *
 * <p>On a link with faults a datagram is queued when sent but due later; it may be received only
 * once due, and of those due the one due first is received first, so one held back (reordered) lets
 * those sent after it overtake it. The queue counts datagrams on their way too, as the socket's
 * buffer would have to hold them.
 */
final class DatagramQueue {
  /** Linux's default {@code net.core.rmem_default}: the receive buffer of a new socket. */
  static final int DEFAULT_CAPACITY = 212_992;

  /** Linux's least receive buffer ({@code SOCK_MIN_RCVBUF}, on 64-bit). */
  static final int MIN_CAPACITY = 2_304;

  /** What each datagram costs besides its bytes. */
  static final int OVERHEAD = 256;

  private record Datagram(InetSocketAddress source, byte[] bytes, long due) {}

  private final VirtualNetwork network;
  private final ArrayDeque<Datagram> queued = new ArrayDeque<>();
  private int used;
  private int capacity = DEFAULT_CAPACITY;
  private int delayed; // of the datagrams queued, those with a due time (then some may not be due)
  private InetSocketAddress onlyFrom; // a connected socket's peer: the one source it takes

  DatagramQueue(VirtualNetwork network) {
    this.network = network;
  }

  /** From now on, takes datagrams only from {@code peer} (a connect), as Linux filters. */
  void acceptOnlyFrom(InetSocketAddress peer) {
    onlyFrom = peer;
  }

  /**
   * Queues a copy of {@code payload}'s remaining bytes (leaving its position) from {@code source},
   * due at {@code due} ({@link Link#NOW}: at once), or drops it (not from the connected peer, or no
   * room); whether it was queued.
   */
  boolean offer(InetSocketAddress source, ByteBuffer payload, long due) {
    if (onlyFrom != null && !onlyFrom.equals(source)) {
      return false;
    }
    int cost = payload.remaining() + OVERHEAD;
    if (used + cost > capacity) {
      return false;
    }
    byte[] bytes = new byte[payload.remaining()];
    payload.get(payload.position(), bytes);
    queued.add(new Datagram(source, bytes, due));
    if (due != Link.NOW) {
      delayed++;
      network.wakeAt(due);
    }
    used += cost;
    network.changed();
    return true;
  }

  /**
   * Takes the oldest datagram that has come into {@code dst} (what does not fit is lost, as
   * recvfrom truncates) and returns its source, or null if none has.
   */
  InetSocketAddress poll(ByteBuffer dst) {
    Datagram next = delayed == 0 ? queued.poll() : takeArrived();
    if (next == null) {
      return null;
    }
    used -= next.bytes.length + OVERHEAD;
    dst.put(next.bytes, 0, Math.min(next.bytes.length, dst.remaining()));
    return next.source;
  }

  /**
   * Holds {@code bytes} from now on; datagrams already queued stay, even past it (Linux does not
   * drop what it holds when the buffer shrinks).
   */
  void resize(int bytes) {
    capacity = bytes;
  }

  /** Whether a datagram has come: one is queued, and due. */
  boolean hasArrived() {
    if (delayed == 0) {
      return !queued.isEmpty();
    }
    long now = System.nanoTime();
    for (Datagram datagram : queued) {
      if (datagram.due <= now) { // NOW, Long.MIN_VALUE, is always due
        return true;
      }
    }
    return false;
  }

  /** Takes the datagram due first of those due now (in queue order when due alike), or null. */
  private Datagram takeArrived() {
    long now = System.nanoTime();
    Datagram first = null;
    for (Datagram datagram : queued) {
      if (datagram.due <= now && (first == null || datagram.due < first.due)) {
        first = datagram;
      }
    }
    if (first != null) {
      queued.removeFirstOccurrence(first);
      if (first.due != Link.NOW) {
        delayed--;
      }
    }
    return first;
  }

  /** The socket closed: what is queued goes. */
  void discard() {
    queued.clear();
    used = 0;
    delayed = 0;
  }
}
