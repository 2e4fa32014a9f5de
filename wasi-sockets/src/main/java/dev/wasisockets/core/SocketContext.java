package dev.wasisockets.core;

import dev.wasisockets.core.events.SocketAcceptEvent;
import dev.wasisockets.policy.NetworkPolicy;
import dev.wasisockets.transport.Transport;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.util.List;
import java.util.function.Consumer;

/**
 * One guest instance's network: its descriptor table and its way out ({@link NetworkAccess}). Every
 * dialect adapter of the instance works on the same context, so a socket opened through one dialect
 * is usable through the others and through {@code fd_*}.
 */
public final class SocketContext implements AutoCloseable {
  private final DescriptorTable descriptors;
  private final NetworkAccess network;
  private final Consumer<InetSocketAddress> onListen;

  public SocketContext(DescriptorTable descriptors, Transport transport, NetworkPolicy policy) {
    this(descriptors, transport, policy, address -> {});
  }

  /**
   * As above, with {@code onListen} told the address of every socket the guest makes listen (not of
   * the preopened ones), on the guest's thread, once it listens.
   */
  public SocketContext(
      DescriptorTable descriptors,
      Transport transport,
      NetworkPolicy policy,
      Consumer<InetSocketAddress> onListen) {
    this.descriptors = descriptors;
    this.network = new NetworkAccess(transport, policy);
    this.onListen = onListen;
  }

  public DescriptorTable descriptors() {
    return descriptors;
  }

  public NetworkAccess network() {
    return network;
  }

  /** Opens a TCP socket and returns its new descriptor number. */
  public int openTcp(StandardProtocolFamily family) {
    return descriptors.add(TcpSocket.open(network, family));
  }

  /** Opens a UDP socket and returns its new descriptor number. */
  public int openUdp(StandardProtocolFamily family) {
    return descriptors.add(UdpSocket.open(network, family));
  }

  /** The UDP socket at {@code fd}: EBADF if none, ENOTSOCK for a file, EPROTOTYPE for TCP. */
  public UdpSocket udp(int fd) {
    if (descriptors.socket(fd) instanceof UdpSocket udp) {
      return udp;
    }
    throw new ErrnoException(Errno.EPROTOTYPE, "descriptor " + fd + " is not a UDP socket");
  }

  /** Opens a listener before the guest starts and returns its descriptor number. */
  public int preopenTcpListener(InetSocketAddress local, int backlog) {
    return descriptors.add(TcpListener.preopen(network, local, backlog));
  }

  /**
   * The TCP socket at {@code fd}: EBADF if none, ENOTSOCK for a file, EINVAL for a listener,
   * EPROTOTYPE for UDP.
   */
  public TcpSocket tcp(int fd) {
    GuestSocket socket = descriptors.socket(fd);
    if (socket instanceof TcpSocket tcp) {
      return tcp;
    }
    throw socket instanceof TcpListener
        ? new ErrnoException(Errno.EINVAL, "descriptor " + fd + " is a listening socket")
        : new ErrnoException(Errno.EPROTOTYPE, "descriptor " + fd + " is not a TCP socket");
  }

  /** The listener at {@code fd}: EBADF if none, ENOTSOCK for a file, EINVAL if not listening. */
  public TcpListener listener(int fd) {
    if (descriptors.socket(fd) instanceof TcpListener listener) {
      return listener;
    }
    throw new ErrnoException(Errno.EINVAL, "descriptor " + fd + " is not listening");
  }

  /** Looks {@code host} up for the guest: see {@link NetworkAccess#lookup}. */
  public List<InetAddress> resolve(String host) {
    return network.lookup(host);
  }

  /** Makes the socket at {@code fd} a listener, under the same number. */
  public void listen(int fd, int backlog) {
    TcpListener listener = tcp(fd).listen(backlog);
    descriptors.replace(fd, listener);
    onListen.accept(listener.localAddress());
  }

  /**
   * Accepts a connection on the listener at {@code fd}; returns the new descriptor number. Its
   * event is committed here, where the connection gets its number, and spans the listener's wait.
   */
  public int accept(int fd, boolean nonBlocking) {
    SocketAcceptEvent event = new SocketAcceptEvent();
    event.begin();
    TcpSocket accepted = null;
    Errno failure = null;
    try {
      accepted = listener(fd).accept();
      accepted.setNonBlocking(nonBlocking);
      return descriptors.add(accepted);
    } catch (ErrnoException e) {
      failure = e.errno();
      throw e;
    } finally {
      if (event.shouldCommit()) {
        if (accepted != null) {
          accepted.describeTo(event);
          event.acceptedFd = accepted.descriptor();
        }
        event.fd = fd;
        event.protocol = "tcp";
        event.errno = failure == null ? null : failure.name();
        event.commit();
      }
    }
  }

  /** Closes the socket at {@code fd} and frees its number. */
  public void closeSocket(int fd) {
    GuestSocket socket = descriptors.socket(fd);
    descriptors.remove(fd);
    socket.close();
  }

  /** Closes every socket still open, then the transport. Chicory's descriptors are not ours. */
  @Override
  public void close() throws IOException {
    descriptors.forEachSocket(GuestSocket::close);
    network.transport().close();
  }
}
