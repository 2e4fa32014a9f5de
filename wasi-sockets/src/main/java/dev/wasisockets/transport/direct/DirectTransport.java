package dev.wasisockets.transport.direct;

import dev.wasisockets.transport.TcpChannel;
import dev.wasisockets.transport.Transport;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;

/**
 * Real OS sockets through JDK NIO. Every channel is non-blocking; a guest call that must wait parks
 * its thread in one {@link Selector} shared by the instance's channels, so a guest with a thousand
 * sockets still uses one thread and one selector.
 */
public final class DirectTransport implements Transport {
  private Selector selector;

  @Override
  public TcpChannel openTcp(StandardProtocolFamily family) throws IOException {
    SocketChannel channel = SocketChannel.open(family);
    try {
      channel.configureBlocking(false);
    } catch (IOException e) {
      channel.close();
      throw e;
    }
    return new DirectTcpChannel(channel, this);
  }

  /** The instance's selector, opened on first wait: guests that never wait never pay for it. */
  Selector selector() throws IOException {
    if (selector == null) {
      selector = Selector.open();
    }
    return selector;
  }

  @Override
  public void close() throws IOException {
    if (selector != null) {
      selector.close();
    }
  }
}
