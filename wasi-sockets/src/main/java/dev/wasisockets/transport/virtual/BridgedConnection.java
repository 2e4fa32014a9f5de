package dev.wasisockets.transport.virtual;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.util.List;

/**
 * One real connection and one virtual connection of a {@link Bridge} (a {@link PublishedPort}'s or
 * a {@link ForwardedPort}'s), with one thread per direction copying bytes through a fixed buffer.
 * Neither side's bytes queue anywhere else: a thread that cannot write stops reading, so a slow
 * reader slows the writer on the other side, as a real proxy does.
 *
 * <p>What crosses besides bytes, as Linux's sockets show it:
 *
 * <ul>
 *   <li>end-of-stream: a real client's FIN (its {@code shutdownOutput} or close) becomes the
 *       virtual connection's SHUT_WR, and the member's SHUT_WR or close becomes the real socket's
 *       FIN; the other direction goes on until it ends too, and then both are closed;
 *   <li>a reset: a failure on either side (an RST, a write to a closed peer) resets both: the
 *       virtual side with SO_LINGER 0 (ECONNRESET for the member), the real one likewise (an RST
 *       for the client);
 *   <li>a refusal on the far side (nobody listens at the target, or nothing has its address): the
 *       side already connected (a published port's real client, whose connection the OS has
 *       accepted; a forwarded port's member) gets a reset instead.
 * </ul>
 */
final class BridgedConnection {
  /** The copy buffer of each direction: what a thread holds between its read and its write. */
  static final int BUFFER_SIZE = 16 * 1024;

  /** Makes the side not yet connected connected, and gives the virtual side. */
  interface Opener {
    VirtualConnection open() throws IOException;
  }

  private final Bridge port;
  private final Socket socket;
  private final Opener opener;
  private final Thread inbound; // real → virtual; it connects first
  private final Thread outbound; // virtual → real
  private VirtualConnection virtual; // once connected; guarded by this
  private int directionsDone; // guarded by this
  private boolean ended; // guarded by this

  BridgedConnection(Bridge port, Socket socket, Opener opener, String name, int number) {
    this.port = port;
    this.socket = socket;
    this.opener = opener;
    String thread = name + " #" + number;
    this.inbound = new Thread(this::connectAndCopyIn, thread + " in");
    this.outbound = new Thread(this::copyOut, thread + " out");
    inbound.setDaemon(true);
    outbound.setDaemon(true);
  }

  void start() {
    inbound.start();
  }

  List<Thread> threads() {
    return List.of(inbound, outbound);
  }

  /** The port closes: both sides are closed (not reset), and both threads end. */
  void close() {
    if (end(false)) {
      inbound.interrupt(); // it may wait in connect, for room in the target's backlog
    }
  }

  private void connectAndCopyIn() {
    if (isEnded()) {
      return; // the port closed before this thread started
    }
    VirtualConnection connection;
    try {
      connection = opener.open();
    } catch (IOException e) {
      // The far side refused (ECONNREFUSED, EHOSTUNREACH), or the bridge closed meanwhile.
      if (!isEnded()) {
        port.refused(e);
      }
      reset();
      return;
    }
    synchronized (this) {
      if (ended) {
        connection.close();
        return;
      }
      virtual = connection;
    }
    outbound.start();
    byte[] bytes = new byte[BUFFER_SIZE];
    try {
      InputStream in = socket.getInputStream();
      int count;
      while ((count = in.read(bytes)) >= 0) {
        connection.write(ByteBuffer.wrap(bytes, 0, count));
      }
      connection.shutdownOutput();
    } catch (IOException e) {
      reset();
      return;
    }
    directionDone();
  }

  private void copyOut() {
    VirtualConnection connection;
    synchronized (this) {
      connection = virtual;
    }
    byte[] bytes = new byte[BUFFER_SIZE];
    ByteBuffer buffer = ByteBuffer.wrap(bytes);
    try {
      OutputStream out = socket.getOutputStream();
      int count;
      while ((count = connection.read(buffer.clear())) >= 0) {
        out.write(bytes, 0, count);
      }
      socket.shutdownOutput();
    } catch (IOException e) {
      reset();
      return;
    }
    directionDone();
  }

  /** One direction reached its end; after both, the connection is over and both sides close. */
  private void directionDone() {
    synchronized (this) {
      if (ended || ++directionsDone < 2) {
        return;
      }
    }
    end(false);
  }

  /** Something failed on one side: both are reset, so each peer learns it as it would of an RST. */
  private void reset() {
    end(true);
  }

  /**
   * Ends the connection, once: both sides closed, or with {@code reset} both reset (the virtual
   * side with a reset, the real one with SO_LINGER 0). Whether this call ended it.
   */
  private boolean end(boolean reset) {
    VirtualConnection connection;
    synchronized (this) {
      if (ended) {
        return false;
      }
      ended = true;
      connection = virtual;
    }
    if (connection != null) {
      if (reset) {
        connection.reset();
      } else {
        connection.close();
      }
    }
    closeQuietly(reset);
    port.ended(this);
    return true;
  }

  private synchronized boolean isEnded() {
    return ended;
  }

  private void closeQuietly(boolean reset) {
    try {
      if (reset) {
        socket.setSoLinger(true, 0); // close sends an RST
      }
    } catch (IOException e) {
      // Already closed by the other thread: the RST or FIN has gone.
    }
    try {
      socket.close();
    } catch (IOException e) {
      // Nothing left to tell the client.
    }
  }
}
