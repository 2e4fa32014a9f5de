package dev.wasisockets.transport.direct;

import dev.wasisockets.transport.Readiness;
import dev.wasisockets.transport.TransportChannel;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketOption;
import java.nio.channels.NetworkChannel;
import java.nio.channels.SelectableChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;

/**
 * What every direct channel shares: an NIO channel and its key in the instance's selector.
 *
 * <p>A channel is in the OS's non-blocking mode for every call that must not wait, and in blocking
 * mode for the calls that wait in the OS ({@link #waitsInOs}); each call switches it only when it
 * is in the other mode, which a guest's sockets seldom are: a socket is either polled or read with
 * blocking calls, and mostly stays as it is.
 */
abstract class DirectChannel<C extends SelectableChannel & NetworkChannel>
    implements TransportChannel {
  final C channel;
  private final DirectTransport transport;
  private SelectionKey key;
  // Whether the selector has waited for this channel for more than a connect to finish.
  private boolean polled;

  DirectChannel(C channel, DirectTransport transport) {
    this.channel = channel;
    this.transport = transport;
  }

  /**
   * This channel's key in {@code selector}, registered on first use with no interest; a wait for
   * more than {@link Readiness#CONNECT} marks the channel as polled.
   */
  SelectionKey key(Selector selector, int interest) throws IOException {
    if (key == null) {
      nonBlocking();
      key = channel.register(selector, 0);
    }
    polled |= interest != Readiness.CONNECT;
    return key;
  }

  /** Puts the channel in non-blocking mode, which every call but a waiting one needs. */
  final void nonBlocking() throws IOException {
    if (channel.isBlocking()) {
      channel.configureBlocking(false);
    }
  }

  /**
   * Puts the channel in blocking mode for a call that waits in the OS, which costs one system call
   * where trying, waiting in the selector and trying again take three (read, epoll_wait, read) and
   * the selector's bookkeeping: true if it could. A channel the guest polls stays with the selector
   * (a guest that polls and reads by turns would switch it twice a call); one the selector waited
   * for only to connect leaves it.
   */
  final boolean waitsInOs() throws IOException {
    if (key != null) {
      if (polled) {
        return false;
      }
      key.cancel();
      key = null;
      transport.flushCancelledKeys(); // until then NIO keeps the channel non-blocking
    }
    if (!channel.isBlocking()) {
      channel.configureBlocking(true);
    }
    return true;
  }

  /** The selection ops for {@link Readiness} bits; READ means "accept" on a listener. */
  abstract int selectionOps(int interest);

  /** READ as OP_READ, WRITE as OP_WRITE: what a connected socket waits for. */
  static int readWriteOps(int interest) {
    int ops = 0;
    if ((interest & Readiness.READ) != 0) {
      ops |= SelectionKey.OP_READ;
    }
    if ((interest & Readiness.WRITE) != 0) {
      ops |= SelectionKey.OP_WRITE;
    }
    return ops;
  }

  /** The {@link Readiness} bits for ready selection ops. */
  static int readiness(int ops) {
    int ready = 0;
    if ((ops & (SelectionKey.OP_READ | SelectionKey.OP_ACCEPT)) != 0) {
      ready |= Readiness.READ;
    }
    if ((ops & SelectionKey.OP_WRITE) != 0) {
      ready |= Readiness.WRITE;
    }
    if ((ops & SelectionKey.OP_CONNECT) != 0) {
      // A finished connect also makes the socket writable: POSIX reports it as POLLOUT.
      ready |= Readiness.CONNECT | Readiness.WRITE;
    }
    return ready;
  }

  @Override
  public <T> void setOption(SocketOption<T> option, T value) throws IOException {
    channel.setOption(option, value);
  }

  @Override
  public <T> T getOption(SocketOption<T> option) throws IOException {
    return channel.getOption(option);
  }

  @Override
  public InetSocketAddress localAddress() throws IOException {
    return (InetSocketAddress) channel.getLocalAddress();
  }

  @Override
  public void close() throws IOException {
    channel.close();
    if (key != null) {
      // A channel still registered with a selector is only really closed (FIN sent, OS socket
      // freed) once that selector deregisters it; flush that now, not at the next wait.
      transport.flushCancelledKeys();
    }
  }
}
