package dev.wasisockets.transport.direct;

import dev.wasisockets.transport.Readiness;
import dev.wasisockets.transport.TcpChannel;
import dev.wasisockets.transport.TcpListenerChannel;
import java.io.IOException;
import java.net.Inet6Address;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.nio.channels.SelectionKey;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;

/** A listening OS socket. */
final class DirectTcpListenerChannel extends DirectChannel<ServerSocketChannel>
    implements TcpListenerChannel {
  private final DirectTransport transport;
  // Recorded for form: only a socket that never connected can listen, so an accepted
  // connection's family is never used.
  private final StandardProtocolFamily family;

  DirectTcpListenerChannel(ServerSocketChannel channel, DirectTransport transport)
      throws IOException {
    super(channel, transport);
    this.transport = transport;
    InetSocketAddress local = (InetSocketAddress) channel.getLocalAddress();
    this.family =
        local.getAddress() instanceof Inet6Address
            ? StandardProtocolFamily.INET6
            : StandardProtocolFamily.INET;
  }

  @Override
  public TcpChannel accept() throws IOException {
    nonBlocking();
    return adopt(channel.accept());
  }

  @Override
  public TcpChannel acceptWaiting() throws IOException {
    waitsInOs(); // or, for a polled listener, an accept that does not wait
    return adopt(channel.accept());
  }

  private TcpChannel adopt(SocketChannel accepted) {
    return accepted == null ? null : transport.adopt(accepted, family);
  }

  @Override
  int selectionOps(int interest) {
    return (interest & Readiness.READ) != 0 ? SelectionKey.OP_ACCEPT : 0;
  }
}
