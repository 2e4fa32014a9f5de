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

/** What every direct channel shares: an NIO channel and its key in the instance's selector. */
abstract class DirectChannel<C extends SelectableChannel & NetworkChannel>
    implements TransportChannel {
  final C channel;
  private final DirectTransport transport;
  private SelectionKey key;

  DirectChannel(C channel, DirectTransport transport) {
    this.channel = channel;
    this.transport = transport;
  }

  /** This channel's key in {@code selector}, registered on first use with no interest. */
  SelectionKey key(Selector selector) throws IOException {
    if (key == null) {
      key = channel.register(selector, 0);
    }
    return key;
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
