package dev.wasisockets.transport.direct;

import dev.wasisockets.transport.Readiness;
import dev.wasisockets.transport.TcpChannel;
import dev.wasisockets.transport.TcpListenerChannel;
import java.io.IOException;
import java.nio.channels.SelectionKey;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;

/** A listening OS socket, always in non-blocking mode. */
final class DirectTcpListenerChannel extends DirectChannel<ServerSocketChannel>
    implements TcpListenerChannel {
  private final DirectTransport transport;

  DirectTcpListenerChannel(ServerSocketChannel channel, DirectTransport transport) {
    super(channel, transport);
    this.transport = transport;
  }

  @Override
  public TcpChannel accept() throws IOException {
    SocketChannel accepted = channel.accept();
    return accepted == null ? null : transport.adopt(accepted);
  }

  @Override
  int selectionOps(int interest) {
    return (interest & Readiness.READ) != 0 ? SelectionKey.OP_ACCEPT : 0;
  }
}
