package dev.wasisockets.transport.virtual;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;

/**
 * The datagrams that have come for one UDP socket and were not received yet, bounded as Linux
 * bounds a socket's receive buffer: each datagram costs its bytes plus {@link #OVERHEAD} (Linux
 * charges its buffer header alike, so empty datagrams cannot queue without end), and one that does
 * not fit is dropped without a word, as UDP drops. Guarded by the network's lock.
 */
final class DatagramQueue {
  /** Linux's default {@code net.core.rmem_default}: the receive buffer of a new socket. */
  static final int CAPACITY = 212_992;

  /** What each datagram costs besides its bytes. */
  static final int OVERHEAD = 256;

  private record Datagram(InetSocketAddress source, byte[] bytes) {}

  private final VirtualNetwork network;
  private final ArrayDeque<Datagram> queued = new ArrayDeque<>();
  private int used;
  private InetSocketAddress onlyFrom; // a connected socket's peer: the one source it takes

  DatagramQueue(VirtualNetwork network) {
    this.network = network;
  }

  /** From now on, takes datagrams only from {@code peer} (a connect), as Linux filters. */
  void acceptOnlyFrom(InetSocketAddress peer) {
    onlyFrom = peer;
  }

  /**
   * Queues a copy of {@code payload}'s remaining bytes from {@code source}, or drops it (not from
   * the connected peer, or no room); whether it was queued.
   */
  boolean offer(InetSocketAddress source, ByteBuffer payload) {
    if (onlyFrom != null && !onlyFrom.equals(source)) {
      return false;
    }
    int cost = payload.remaining() + OVERHEAD;
    if (used + cost > CAPACITY) {
      return false;
    }
    byte[] bytes = new byte[payload.remaining()];
    payload.get(bytes);
    queued.add(new Datagram(source, bytes));
    used += cost;
    network.changed();
    return true;
  }

  /**
   * Takes the oldest datagram into {@code dst} (what does not fit is lost, as recvfrom truncates)
   * and returns its source, or null if none has come.
   */
  InetSocketAddress poll(ByteBuffer dst) {
    Datagram next = queued.poll();
    if (next == null) {
      return null;
    }
    used -= next.bytes.length + OVERHEAD;
    dst.put(next.bytes, 0, Math.min(next.bytes.length, dst.remaining()));
    return next.source;
  }

  boolean isEmpty() {
    return queued.isEmpty();
  }

  /** The socket closed: what is queued goes. */
  void discard() {
    queued.clear();
    used = 0;
  }
}
