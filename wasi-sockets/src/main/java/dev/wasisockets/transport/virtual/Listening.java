package dev.wasisockets.transport.virtual;

import java.net.InetSocketAddress;
import java.util.ArrayDeque;

/**
 * A listening port: connections the network has established and nobody has accepted yet, at most
 * the backlog plus one of them (Linux's accept queue). Guarded by the network's lock.
 */
final class Listening {
  /** Linux's default {@code net.core.somaxconn}, to which it clamps every backlog. */
  static final int MAX_BACKLOG = 4096;

  private final VirtualNetwork network;
  private final VirtualHost.Binding binding;
  private final int backlog;
  private final ArrayDeque<Endpoint> pending = new ArrayDeque<>();
  private boolean closed;

  Listening(VirtualNetwork network, VirtualHost.Binding binding, int backlog) {
    this.network = network;
    this.binding = binding;
    this.backlog = Math.max(0, Math.min(backlog, MAX_BACKLOG));
  }

  InetSocketAddress localAddress() {
    return binding.address();
  }

  /** Whether a new connection must wait: Linux's queue holds the backlog plus one. */
  boolean isFull() {
    return pending.size() > backlog;
  }

  boolean isClosed() {
    return closed;
  }

  boolean hasPending() {
    return !pending.isEmpty();
  }

  /** Queues the server's end of a new connection. */
  void offer(Endpoint serverEnd) {
    pending.add(serverEnd);
    network.changed();
  }

  /** The oldest connection not yet accepted, or null. */
  Endpoint poll() {
    boolean full = isFull();
    Endpoint next = pending.poll();
    if (next != null && full) {
      network.changed(); // room in the queue for a connect that waits (only a full one waits)
    }
    return next;
  }

  /** Stops listening: the port is free again, and connections never accepted are reset. */
  void close() {
    if (closed) {
      return;
    }
    closed = true;
    binding.release();
    for (Endpoint end : pending) {
      end.close(true);
    }
    pending.clear();
    network.changed();
  }
}
