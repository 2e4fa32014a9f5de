package dev.wasisockets.transport.virtual;

import dev.wasisockets.address.IpLiteral;
import java.io.Closeable;
import java.io.IOException;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A member's TCP port published on a real loopback port, as {@code docker run -p 127.0.0.1:8080:80}
 * publishes a container's: a real listener whose every accepted connection becomes a virtual
 * connection from the publishing host to {@link #target()}, its bytes copied both ways (see {@link
 * BridgedConnection}). Made by {@link VirtualHost#publish}.
 *
 * <p>Only loopback: a published port is reachable from this machine alone, never from the network
 * it is on. At most {@link #maxConnections()} connections are bridged at once; one more waits in
 * the real listener's backlog, unaccepted, until one of them ends (back-pressure, not a refusal).
 * Each bridged connection has two daemon threads, one per direction.
 */
public final class PublishedPort implements Closeable {
  /** How many connections are bridged at once unless the caller says. */
  public static final int DEFAULT_MAX_CONNECTIONS = 64;

  private static final Logger LOG = System.getLogger(PublishedPort.class.getName());

  private final VirtualHost from;
  private final InetSocketAddress target;
  private final ServerSocket listener;
  private final InetSocketAddress address; // the listener's, kept for after it is closed
  private final int maxConnections;
  private final Semaphore slots;
  private final Set<BridgedConnection> bridged = ConcurrentHashMap.newKeySet();
  private final AtomicBoolean refusalLogged = new AtomicBoolean();
  private final Thread acceptor;
  private volatile boolean closed;
  private int accepted; // on the acceptor's thread only: numbers the connections' threads

  private PublishedPort(
      VirtualHost from, InetSocketAddress target, ServerSocket listener, int maxConnections) {
    this.from = from;
    this.target = target;
    this.listener = listener;
    this.address = (InetSocketAddress) listener.getLocalSocketAddress();
    this.maxConnections = maxConnections;
    this.slots = new Semaphore(maxConnections);
    this.acceptor = new Thread(this::acceptLoop, "publish " + this + " accept");
    this.acceptor.setDaemon(true);
  }

  /**
   * Listens on {@code loopback} (port 0: an ephemeral one) and bridges each connection to {@code
   * to} on the network, from {@code from}.
   *
   * @throws IllegalArgumentException if {@code loopback} is not a loopback address, or {@code
   *     maxConnections} is not positive
   * @throws IOException if the real port cannot be bound (in use, say)
   */
  static PublishedPort open(
      VirtualHost from, InetSocketAddress loopback, InetSocketAddress to, int maxConnections)
      throws IOException {
    if (loopback.isUnresolved() || !loopback.getAddress().isLoopbackAddress()) {
      throw new IllegalArgumentException(
          "a port is published on a loopback address only (127.0.0.1 or ::1), not " + loopback);
    }
    if (to.isUnresolved()) {
      throw new IllegalArgumentException(
          "publish to an address of the network (VirtualNetwork.resolve), not " + to);
    }
    if (maxConnections < 1) {
      throw new IllegalArgumentException("maxConnections must be 1 or more, got " + maxConnections);
    }
    ServerSocket listener = new ServerSocket();
    try {
      listener.bind(loopback, 50);
    } catch (IOException e) {
      listener.close();
      throw new IOException("cannot listen on " + IpLiteral.format(loopback) + ": " + e, e);
    }
    PublishedPort port = new PublishedPort(from, to, listener, maxConnections);
    port.acceptor.start();
    return port;
  }

  /** The real address listened on (its port the one chosen, if 0 was asked). */
  public InetSocketAddress address() {
    return address;
  }

  /** Where on the network the connections go. */
  public InetSocketAddress target() {
    return target;
  }

  /** The host of the network the connections come from. */
  public VirtualHost from() {
    return from;
  }

  public int maxConnections() {
    return maxConnections;
  }

  /** How many connections are being bridged now. */
  public int connections() {
    return bridged.size();
  }

  /**
   * Stops listening and closes every bridged connection on both sides, as a proxy process that
   * exits does: each peer reads end-of-stream, or is reset if bytes it sent were unread. Returns
   * once the bridge's threads have ended.
   */
  @Override
  public void close() {
    closed = true;
    try {
      listener.close();
    } catch (IOException e) {
      LOG.log(Level.DEBUG, "closing " + this, e);
    }
    acceptor.interrupt(); // it may wait for a slot
    List<BridgedConnection> open = List.copyOf(bridged);
    open.forEach(BridgedConnection::close);
    join(acceptor);
    for (BridgedConnection connection : open) {
      connection.threads().forEach(PublishedPort::join);
    }
  }

  @Override
  public String toString() {
    return IpLiteral.format(address) + " -> " + IpLiteral.format(target);
  }

  private void acceptLoop() {
    while (!closed) {
      try {
        slots.acquire();
      } catch (InterruptedException e) {
        return; // closing
      }
      Socket socket;
      try {
        socket = listener.accept();
      } catch (IOException e) {
        slots.release();
        if (closed) {
          return;
        }
        // EMFILE and the like: say so, and do not spin while it lasts.
        LOG.log(Level.WARNING, "publish " + this + ": accept failed: " + e);
        pause();
        continue;
      }
      BridgedConnection connection = new BridgedConnection(this, socket, ++accepted);
      bridged.add(connection);
      if (closed) {
        connection.close(); // close() may have copied the set before this one was in it
      }
      connection.start();
    }
  }

  /** Called once by each connection as it ends: its slot is free for the next one. */
  void ended(BridgedConnection connection) {
    if (bridged.remove(connection)) {
      slots.release();
    }
  }

  /** Says, once per port, that the target refused (later refusals only at DEBUG). */
  void refused(IOException e) {
    Level level = refusalLogged.compareAndSet(false, true) ? Level.WARNING : Level.DEBUG;
    LOG.log(
        level,
        "publish "
            + this
            + ": "
            + e.getMessage()
            + " inside the network; the real client's connection was reset");
  }

  private static void pause() {
    try {
      Thread.sleep(100);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static void join(Thread thread) {
    try {
      thread.join(10_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
