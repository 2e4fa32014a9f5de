package dev.wasisockets.transport.virtual;

import dev.wasisockets.address.IpLiteral;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.channels.ClosedChannelException;

/**
 * A member's TCP port that is a real server's: every connection made to it on the network becomes a
 * real connection (an OS socket, as the direct transport's) to {@link #outside()}, its bytes copied
 * both ways (see {@link BridgedConnection}). Made by {@link VirtualHost#forward}: the way out of
 * the network, one address at a time, so that a guest reaches a real database or service by a
 * member's name, under its own policy (its connect is to the member's address), and nothing else
 * outside.
 *
 * <p>The member's listener accepts first, as a proxy does: a connect to the port succeeds, and if
 * the real server then refuses or cannot be reached within {@link #CONNECT_TIMEOUT_MILLIS}, the
 * connection is reset (the guest's next call is ECONNRESET), and the refusal logged once.
 */
public final class ForwardedPort extends Bridge {
  /** How long the real connect may take. */
  public static final int CONNECT_TIMEOUT_MILLIS = 10_000;

  private final VirtualHost host;
  private final VirtualListener listener;
  private final InetSocketAddress outside;

  private ForwardedPort(
      VirtualHost host, VirtualListener listener, InetSocketAddress outside, int maxConnections) {
    super(maxConnections);
    this.host = host;
    this.listener = listener;
    this.outside = outside;
  }

  static ForwardedPort open(VirtualHost host, int port, InetSocketAddress outside, int max)
      throws IOException {
    if (outside.isUnresolved()) {
      throw new IllegalArgumentException("forward to a resolved address, not " + outside);
    }
    checkMaxConnections(max);
    VirtualListener listener = host.listen(port);
    ForwardedPort forwarded = new ForwardedPort(host, listener, outside, max);
    forwarded.startAccepting(forwarded.toString());
    return forwarded;
  }

  /** The member's port, as listened on (every address of the member). */
  public InetSocketAddress address() {
    return listener.localAddress();
  }

  /** The real address the connections go to. */
  public InetSocketAddress outside() {
    return outside;
  }

  public VirtualHost host() {
    return host;
  }

  @Override
  BridgedConnection accept(int number) throws IOException {
    VirtualConnection member;
    try {
      member = listener.accept();
    } catch (ClosedChannelException e) {
      return null; // closing
    }
    Socket socket = new Socket();
    return new BridgedConnection(
        this, socket, () -> connectOutside(socket, member), toString(), number);
  }

  /** The real connect, from the bridge's thread: the member's connection if it succeeds. */
  private VirtualConnection connectOutside(Socket socket, VirtualConnection member)
      throws IOException {
    try {
      socket.setTcpNoDelay(true); // the member's writes cross as they come, as on the network
      socket.connect(outside, CONNECT_TIMEOUT_MILLIS);
      return member;
    } catch (IOException e) {
      member.reset();
      throw new IOException(
          "connecting to " + IpLiteral.format(outside) + " failed: " + e.getMessage(), e);
    }
  }

  @Override
  void closeListener() {
    listener.close();
  }

  @Override
  String refusalOutcome() {
    return "; the member's connection was reset";
  }

  @Override
  public String toString() {
    InetAddress first = host.addresses().get(0);
    return "forward "
        + host.name()
        + " ("
        + IpLiteral.format(new InetSocketAddress(first, listener.port()))
        + ") -> "
        + IpLiteral.format(outside);
  }
}
