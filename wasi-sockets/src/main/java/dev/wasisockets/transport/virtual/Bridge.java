package dev.wasisockets.transport.virtual;

import java.io.Closeable;
import java.io.IOException;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * What both bridges between the virtual network and real sockets share ({@link PublishedPort}: a
 * real listener into the network; {@link ForwardedPort}: a member's listener out to a real server):
 * one thread accepting, at most {@link #maxConnections()} {@link BridgedConnection}s at once (one
 * more waits, unaccepted, until one ends: back-pressure, not a refusal), the far side's refusals
 * logged once, and a close that ends every connection and waits for the threads.
 */
abstract class Bridge implements Closeable {
  /** How many connections are bridged at once unless the caller says. */
  public static final int DEFAULT_MAX_CONNECTIONS = 64;

  private final Logger log = System.getLogger(getClass().getName()); // PublishedPort's, ...
  private final int maxConnections;
  private final Semaphore slots;
  private final Set<BridgedConnection> bridged = ConcurrentHashMap.newKeySet();
  private final AtomicBoolean refusalLogged = new AtomicBoolean();
  private Thread acceptor;
  private volatile boolean closed;
  private int accepted; // on the acceptor's thread only: numbers the connections' threads

  Bridge(int maxConnections) {
    checkMaxConnections(maxConnections);
    this.maxConnections = maxConnections;
    this.slots = new Semaphore(maxConnections);
  }

  /**
   * Checks a bound before anything is opened for the bridge (its real listener, its member's).
   *
   * @throws IllegalArgumentException if it is not positive
   */
  static void checkMaxConnections(int maxConnections) {
    if (maxConnections < 1) {
      throw new IllegalArgumentException("maxConnections must be 1 or more, got " + maxConnections);
    }
  }

  /** Starts accepting; called once the subclass is ready. */
  final void startAccepting(String name) {
    acceptor = new Thread(this::acceptLoop, name + " accept");
    acceptor.setDaemon(true);
    acceptor.start();
  }

  /**
   * The next connection to bridge, waiting for it, numbered {@code number}; null once closed.
   *
   * @throws IOException a failure to accept that may pass (EMFILE and the like)
   */
  abstract BridgedConnection accept(int number) throws IOException;

  /** Stops the listener, so that a waiting {@link #accept} ends. */
  abstract void closeListener() throws IOException;

  /** What the far side's refusal does to the accepted side, as the log line's end. */
  abstract String refusalOutcome();

  public final int maxConnections() {
    return maxConnections;
  }

  /** How many connections are being bridged now. */
  public final int connections() {
    return bridged.size();
  }

  final boolean isClosed() {
    return closed;
  }

  /**
   * Stops listening and closes every bridged connection on both sides, as a proxy process that
   * exits does: each peer reads end-of-stream, or is reset if bytes it sent were unread. Returns
   * once the bridge's threads have ended.
   */
  @Override
  public final void close() {
    closed = true;
    try {
      closeListener();
    } catch (IOException e) {
      log.log(Level.DEBUG, "closing " + this, e);
    }
    acceptor.interrupt(); // it may wait for a slot
    List<BridgedConnection> open = List.copyOf(bridged);
    open.forEach(BridgedConnection::close);
    join(acceptor);
    for (BridgedConnection connection : open) {
      connection.threads().forEach(Bridge::join);
    }
  }

  private void acceptLoop() {
    while (!closed) {
      try {
        slots.acquire();
      } catch (InterruptedException e) {
        return; // closing
      }
      BridgedConnection connection;
      try {
        connection = accept(++accepted);
      } catch (IOException e) {
        slots.release();
        if (closed) {
          return;
        }
        // EMFILE and the like: say so, and do not spin while it lasts.
        log.log(Level.WARNING, this + ": accept failed: " + e);
        pause();
        continue;
      }
      if (connection == null) {
        slots.release();
        return;
      }
      bridged.add(connection);
      if (closed) {
        connection.close(); // close() may have copied the set before this one was in it
      }
      connection.start();
    }
  }

  /** Called once by each connection as it ends: its slot is free for the next one. */
  final void ended(BridgedConnection connection) {
    if (bridged.remove(connection)) {
      slots.release();
    }
  }

  /** Says, once per bridge, that the far side refused (later refusals only at DEBUG). */
  final void refused(IOException e) {
    Level level = refusalLogged.compareAndSet(false, true) ? Level.WARNING : Level.DEBUG;
    log.log(level, this + ": " + e.getMessage() + refusalOutcome());
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
