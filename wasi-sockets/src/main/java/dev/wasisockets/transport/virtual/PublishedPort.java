package dev.wasisockets.transport.virtual;

import dev.wasisockets.address.IpLiteral;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;

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
public final class PublishedPort extends Bridge {
  /** How many connections are bridged at once unless the caller says. */
  public static final int DEFAULT_MAX_CONNECTIONS = Bridge.DEFAULT_MAX_CONNECTIONS;

  private final VirtualHost from;
  private final InetSocketAddress target;
  private final ServerSocket listener;
  private final InetSocketAddress address; // the listener's, kept for after it is closed

  private PublishedPort(
      VirtualHost from, InetSocketAddress target, ServerSocket listener, int maxConnections) {
    super(maxConnections);
    this.from = from;
    this.target = target;
    this.listener = listener;
    this.address = (InetSocketAddress) listener.getLocalSocketAddress();
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
    checkMaxConnections(maxConnections);
    ServerSocket listener = new ServerSocket();
    try {
      listener.bind(loopback, 50);
    } catch (IOException e) {
      listener.close();
      throw new IOException("cannot listen on " + IpLiteral.format(loopback) + ": " + e, e);
    }
    PublishedPort port = new PublishedPort(from, to, listener, maxConnections);
    port.startAccepting(port.toString());
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

  @Override
  BridgedConnection accept(int number) throws IOException {
    Socket socket;
    try {
      socket = listener.accept();
    } catch (IOException e) {
      if (isClosed()) {
        return null;
      }
      throw e;
    }
    // The real client is connected; the virtual side connects from the bridge's thread.
    return new BridgedConnection(this, socket, () -> from.connect(target), toString(), number);
  }

  @Override
  void closeListener() throws IOException {
    listener.close();
  }

  @Override
  String refusalOutcome() {
    return " inside the network; the real client's connection was reset";
  }

  @Override
  public String toString() {
    return "publish " + IpLiteral.format(address) + " -> " + IpLiteral.format(target);
  }
}
