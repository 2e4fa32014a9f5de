package dev.wasisockets.transport.direct;

import dev.wasisockets.transport.Readiness;
import dev.wasisockets.transport.TcpChannel;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.InetSocketAddress;
import java.net.SocketOption;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.util.concurrent.TimeUnit;

/** A TCP connection on an OS socket, always in non-blocking mode. */
final class DirectTcpChannel implements TcpChannel {
  private final SocketChannel channel;
  private final DirectTransport transport;
  private SelectionKey key;

  DirectTcpChannel(SocketChannel channel, DirectTransport transport) {
    this.channel = channel;
    this.transport = transport;
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
  public InetSocketAddress remoteAddress() throws IOException {
    return (InetSocketAddress) channel.getRemoteAddress();
  }

  @Override
  public int awaitReady(int interest, long timeoutNanos) throws IOException {
    Selector selector = transport.selector();
    if (key == null) {
      key = channel.register(selector, 0);
    }
    key.interestOps(toSelectionOps(interest));
    try {
      long deadline = System.nanoTime() + timeoutNanos;
      while (true) {
        long remaining = deadline - System.nanoTime();
        if (timeoutNanos < 0) {
          selector.select();
        } else if (remaining <= 0) {
          selector.selectNow();
        } else {
          // select(0) would mean "forever": round a sub-millisecond wait up to 1 ms.
          selector.select(Math.max(1, TimeUnit.NANOSECONDS.toMillis(remaining)));
        }
        if (selector.selectedKeys().remove(key)) {
          return fromSelectionOps(key.readyOps());
        }
        if (Thread.interrupted()) {
          throw new InterruptedIOException("interrupted while waiting for a socket");
        }
        if (timeoutNanos >= 0 && deadline - System.nanoTime() <= 0) {
          return 0;
        }
      }
    } finally {
      if (key.isValid()) {
        key.interestOps(0);
      }
    }
  }

  @Override
  public void close() throws IOException {
    channel.close();
    if (key != null) {
      // A channel still registered with a selector is only really closed (FIN sent, OS socket
      // freed) once that selector deregisters it; flush that now, not at the next wait.
      transport.selector().selectNow();
    }
  }

  private static int toSelectionOps(int interest) {
    int ops = 0;
    if ((interest & Readiness.READ) != 0) {
      ops |= SelectionKey.OP_READ;
    }
    if ((interest & Readiness.WRITE) != 0) {
      ops |= SelectionKey.OP_WRITE;
    }
    if ((interest & Readiness.CONNECT) != 0) {
      ops |= SelectionKey.OP_CONNECT;
    }
    return ops;
  }

  private static int fromSelectionOps(int ops) {
    int ready = 0;
    if ((ops & SelectionKey.OP_READ) != 0) {
      ready |= Readiness.READ;
    }
    if ((ops & SelectionKey.OP_WRITE) != 0) {
      ready |= Readiness.WRITE;
    }
    if ((ops & SelectionKey.OP_CONNECT) != 0) {
      ready |= Readiness.CONNECT;
    }
    return ready;
  }
}
