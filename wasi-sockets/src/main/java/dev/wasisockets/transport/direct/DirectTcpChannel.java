package dev.wasisockets.transport.direct;

import dev.wasisockets.transport.Readiness;
import dev.wasisockets.transport.TcpChannel;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;

/** A TCP connection on an OS socket, always in non-blocking mode. */
final class DirectTcpChannel extends DirectChannel<SocketChannel> implements TcpChannel {

  DirectTcpChannel(SocketChannel channel, DirectTransport transport) {
    super(channel, transport);
  }

  @Override
  public void bind(InetSocketAddress local) throws IOException {
    channel.bind(local);
  }

  @Override
  public boolean connect(InetSocketAddress remote) throws IOException {
    return channel.connect(remote);
  }

  @Override
  public boolean finishConnect() throws IOException {
    return channel.finishConnect();
  }

  @Override
  public int read(ByteBuffer dst) throws IOException {
    return channel.read(dst);
  }

  @Override
  public long write(ByteBuffer[] srcs) throws IOException {
    return channel.write(srcs);
  }

  @Override
  public void shutdownInput() throws IOException {
    channel.shutdownInput();
  }

  @Override
  public void shutdownOutput() throws IOException {
    channel.shutdownOutput();
  }

  @Override
  public InetSocketAddress remoteAddress() throws IOException {
    return (InetSocketAddress) channel.getRemoteAddress();
  }

  @Override
  int selectionOps(int interest) {
    // Until connected, "writable" means "the connect has finished".
    boolean pending = channel.isConnectionPending();
    int ops = readWriteOps(pending ? interest & ~Readiness.WRITE : interest);
    if ((interest & Readiness.CONNECT) != 0 || (pending && (interest & Readiness.WRITE) != 0)) {
      ops |= SelectionKey.OP_CONNECT;
    }
    return ops;
  }
}
