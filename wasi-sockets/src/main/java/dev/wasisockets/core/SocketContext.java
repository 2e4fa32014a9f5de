package dev.wasisockets.core;

import dev.wasisockets.policy.NetworkPolicy;
import dev.wasisockets.transport.Transport;
import java.io.IOException;
import java.net.StandardProtocolFamily;

/**
 * One guest instance's network: its descriptor table, the transport its sockets use and the policy
 * that governs them. Every dialect adapter of the instance works on the same context, so a socket
 * opened through one dialect is usable through the others and through {@code fd_*}.
 */
public final class SocketContext implements AutoCloseable {
  private final DescriptorTable descriptors;
  private final Transport transport;
  private final NetworkPolicy policy;

  public SocketContext(DescriptorTable descriptors, Transport transport, NetworkPolicy policy) {
    this.descriptors = descriptors;
    this.transport = transport;
    this.policy = policy;
  }

  public DescriptorTable descriptors() {
    return descriptors;
  }

  /** Opens a TCP socket and returns its new descriptor number. */
  public int openTcp(StandardProtocolFamily family) {
    return descriptors.add(TcpSocket.open(transport, family, policy));
  }

  /** The TCP socket at {@code fd}: EBADF if none, ENOTSOCK for a file, EPROTOTYPE for UDP. */
  public TcpSocket tcp(int fd) {
    if (descriptors.socket(fd) instanceof TcpSocket tcp) {
      return tcp;
    }
    throw new ErrnoException(Errno.EPROTOTYPE, "descriptor " + fd + " is not a TCP socket");
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
    transport.close();
  }
}
