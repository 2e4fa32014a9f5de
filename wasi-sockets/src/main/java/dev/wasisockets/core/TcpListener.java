package dev.wasisockets.core;

import dev.wasisockets.core.events.SocketCloseEvent;
import dev.wasisockets.transport.Readiness;
import dev.wasisockets.transport.TcpChannel;
import dev.wasisockets.transport.TcpListenerChannel;
import dev.wasisockets.transport.TransportChannel;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.nio.ByteBuffer;

/**
 * A listening TCP socket: one a guest made with bind + listen, or one the host preopened. Stream
 * I/O on it is ENOTCONN, as on a POSIX listening socket.
 */
public final class TcpListener extends GuestSocket {
  private final NetworkAccess network;
  private final StandardProtocolFamily family;
  private final TcpListenerChannel channel;
  private boolean closed;

  TcpListener(NetworkAccess network, StandardProtocolFamily family, TcpListenerChannel channel) {
    this.network = network;
    this.family = family;
    this.channel = channel;
  }

  /**
   * A listener the host opens before the guest starts ({@code --tcplisten}). Its address is the
   * embedder's grant, so the policy is not asked. It reports NONBLOCK, as wasmtime's and wasi-go's
   * preopened listeners do: Go's {@code net.FileListener} only polls a listener that does.
   */
  public static TcpListener preopen(NetworkAccess network, InetSocketAddress local, int backlog) {
    network.admitSocket();
    network.admitListener();
    try {
      StandardProtocolFamily family =
          local.getAddress().getAddress().length == 4
              ? StandardProtocolFamily.INET
              : StandardProtocolFamily.INET6;
      TcpListener listener =
          new TcpListener(
              network, family, network.transport().listenTcp(local, network.backlog(backlog)));
      listener.setNonBlocking(true);
      return listener;
    } catch (IOException e) {
      network.releaseListener();
      network.releaseSocket();
      throw bindFailure(e, local, SocketCall.LISTEN);
    }
  }

  /**
   * The next connection: waits for one unless non-blocking, when it throws EAGAIN instead. ENFILE
   * when the guest has as many sockets as it may; the connection then stays pending, as it does
   * when a POSIX process's descriptor table is full. Only a connection really taken counts against
   * the limit: a guest that polls with non-blocking accepts (Go's {@code net.FileListener} does)
   * must not use up its limit on EAGAINs.
   */
  public TcpSocket accept() {
    network.requireRoomForSocket();
    try {
      while (true) {
        TcpChannel accepted =
            blocksWithoutTimeLimit(receiveWait()) ? channel.acceptWaiting() : channel.accept();
        if (accepted != null) {
          return TcpSocket.accepted(network, family, accepted);
        }
        if (isNonBlocking() || !network.awaitReady(channel, Readiness.READ, receiveWait())) {
          throw new ErrnoException(Errno.EAGAIN);
        }
      }
    } catch (IOException e) {
      throw ErrnoException.of(e, SocketCall.ACCEPT);
    }
  }

  @Override
  InetSocketAddress knownPeer() {
    return null;
  }

  @Override
  public InetSocketAddress remoteAddress() {
    throw new ErrnoException(Errno.ENOTCONN, "a listening socket has no peer");
  }

  @Override
  public long getOption(SocketOptionKind kind) {
    return kind == SocketOptionKind.ACCEPTCONN ? 1 : super.getOption(kind);
  }

  /** The address the listener is bound to (with the port the OS chose for port 0). */
  @Override
  public InetSocketAddress localAddress() {
    try {
      return channel.localAddress();
    } catch (IOException e) {
      throw ErrnoException.of(e, SocketCall.ADDRESS);
    }
  }

  @Override
  public int fileType() {
    return FILETYPE_SOCKET_STREAM;
  }

  @Override
  public int read(ByteBuffer dst) {
    throw new ErrnoException(Errno.ENOTCONN, "a listening socket has no stream");
  }

  @Override
  public long write(ByteBuffer[] srcs) {
    throw new ErrnoException(Errno.ENOTCONN, "a listening socket has no stream");
  }

  @Override
  public void shutdown(int how) {
    throw new ErrnoException(Errno.ENOTCONN, "a listening socket has no stream");
  }

  @Override
  public int pollInterest(boolean write) {
    return write ? NEVER : Readiness.READ;
  }

  @Override
  public TransportChannel channel() {
    return channel;
  }

  @Override
  public void close() {
    SocketCloseEvent event = new SocketCloseEvent();
    event.begin();
    if (event.isEnabled()) {
      describeTo(event); // while the channel still knows its address
    }
    if (!closed) {
      closed = true;
      network.releaseListener();
      network.releaseSocket();
    }
    try {
      channel.close();
    } catch (IOException e) {
      // Closing releases the descriptor whatever the OS says, as POSIX close() does.
    }
    if (event.shouldCommit()) {
      event.commit(); // a listener moves no bytes itself
    }
  }
}
