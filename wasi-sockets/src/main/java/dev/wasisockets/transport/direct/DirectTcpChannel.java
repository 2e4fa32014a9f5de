package dev.wasisockets.transport.direct;

import dev.wasisockets.transport.Readiness;
import dev.wasisockets.transport.TcpChannel;
import dev.wasisockets.transport.TcpListenerChannel;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;

/** A TCP connection on an OS socket. */
final class DirectTcpChannel extends DirectChannel<SocketChannel> implements TcpChannel {
  private final DirectTransport transport;
  private final StandardProtocolFamily family;

  DirectTcpChannel(
      SocketChannel channel, DirectTransport transport, StandardProtocolFamily family) {
    super(channel, transport);
    this.transport = transport;
    this.family = family;
  }

  @Override
  public void bind(InetSocketAddress local) throws IOException {
    channel.bind(local);
  }

  /**
   * NIO cannot make a {@code SocketChannel} listen, so a {@code ServerSocketChannel} takes over. A
   * bound socket hands its port over without letting go of it: the listener binds the port while
   * this socket still holds it, which Linux allows when both reuse addresses and this one neither
   * listens nor is connected; then this socket closes. Freeing the port first and binding it again
   * would let another program take it in between, and a failure would leave the socket unbound.
   */
  @Override
  public TcpListenerChannel listen(InetSocketAddress local, int backlog) throws IOException {
    ServerSocketChannel listener = ServerSocketChannel.open(family);
    try {
      InetSocketAddress bound = localAddress();
      if (bound == null) {
        listener.bind(local, backlog);
      } else {
        handOver(bound, listener, backlog);
      }
    } catch (IOException e) {
      listener.close();
      throw e;
    }
    try {
      close();
    } catch (IOException e) {
      // The listener holds the port now; this socket is released whatever the OS says.
    }
    return new DirectTcpListenerChannel(listener, transport);
  }

  /**
   * Binds {@code listener} to {@code bound}, this socket's address. This socket reuses addresses
   * only while it does (so that, until listen, nobody can share its port unless the guest asked for
   * SO_REUSEADDR), and keeps its port if the listener cannot have it.
   */
  private void handOver(InetSocketAddress bound, ServerSocketChannel listener, int backlog)
      throws IOException {
    boolean reuse = channel.getOption(StandardSocketOptions.SO_REUSEADDR);
    channel.setOption(StandardSocketOptions.SO_REUSEADDR, true);
    try {
      listener.setOption(StandardSocketOptions.SO_REUSEADDR, true);
      listener.bind(bound, backlog);
    } catch (IOException e) {
      channel.setOption(StandardSocketOptions.SO_REUSEADDR, reuse);
      throw e;
    }
  }

  @Override
  public boolean connect(InetSocketAddress remote) throws IOException {
    nonBlocking();
    return channel.connect(remote);
  }

  @Override
  public boolean finishConnect() throws IOException {
    nonBlocking();
    return channel.finishConnect();
  }

  @Override
  public int read(ByteBuffer dst) throws IOException {
    nonBlocking();
    return channel.read(dst);
  }

  @Override
  public long write(ByteBuffer[] srcs) throws IOException {
    nonBlocking();
    return channel.write(srcs);
  }

  @Override
  public int readWaiting(ByteBuffer dst) throws IOException {
    waitsInOs(); // or, for a polled channel, a read that does not wait
    return channel.read(dst);
  }

  @Override
  public long writeWaiting(ByteBuffer[] srcs) throws IOException {
    waitsInOs();
    return channel.write(srcs); // in blocking mode, NIO writes all of it
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
